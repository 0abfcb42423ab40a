// cse (common-subexpression elimination): a node with the same op, attributes, inputs and
// output types as an earlier node is replaced by it. Sources are never merged (each input,
// parameter and state is its own tensor) except constants, which are when their attributes and
// types are equal; side-effect ops (assign) are never merged.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of nodes merged away; compacts the graph.
int eliminateCommonSubexpressions(Graph& g);

} // namespace llie
