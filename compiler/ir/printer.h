// The stable textual form of the graph IR: the contract for `--emit ir`, pass dumps and golden
// tests. One line per node: `%7 = conv2d(%0, %5, %6) {pad=[1, 1, 1, 1]} : f32[N, 64, H, W]  #
// file:line:col`.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/source_span.h"

#include <string>

namespace llie {

/// Prints the graph; with a SourceManager, each node ends with its .llie location.
std::string printGraph(const Graph& g, const SourceManager* sm = nullptr);
/// "f32[N, 3, H, W]"
std::string typeToString(const TensorType& t, const SymbolTable& syms);

} // namespace llie
