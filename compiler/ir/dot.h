// Graphviz view of the IR (drawn from the same graph as the textual form): one box per op
// with its shape and .llie line, parameters folded into their consumer's label to keep the
// picture about dataflow.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/source_span.h"

#include <string>

namespace llie {

std::string graphToDot(const Graph& g, const SourceManager* sm = nullptr);

} // namespace llie
