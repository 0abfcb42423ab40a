// The self-contained HTML view of a graph: one file with no network access, no external script
// or style. It holds the graph drawn as inline SVG (Graphviz's rendering of graphToDot, passed
// in), a table of the drawn nodes (op, attributes, input and output shapes, layout, the fused
// members' .llie lines with their text), and, when a memory plan is given, the memory timeline
// as inline SVG (x = step, y = arena offset, one rectangle per value, a tooltip with its name,
// bytes and lifetime). Clicking a node in the drawing or the table highlights both. The page's
// script marks <body> with data-ready="1" and data-linked="<nodes linked to rows>" once it ran,
// which the headless-browser test checks.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/support/source_span.h"

#include <string>

namespace llie {

struct HtmlMemory {
  const MemoryRequests* requests = nullptr;
  const MemoryPlan* plan = nullptr;
  std::string inputShape; ///< e.g. "1,3,256,256", for the heading
};

/// Ids of the nodes the view draws and lists ("n<index>"): live nodes other than parameters,
/// state and constants (as graphToDot draws them).
std::vector<NodeId> drawnNodes(const Graph& g);

/// `graphSvg` is the `<svg>` element Graphviz made from graphToDot(g) (empty: no drawing);
/// `memory` may be null; `layouts` names each value's layout on a backend ("" or missing:
/// plain; Backend::valueLayouts).
std::string htmlView(const Graph& g, const SourceManager* sm, const std::string& graphSvg,
                     const HtmlMemory* memory, const std::vector<std::string>& layouts = {});

} // namespace llie
