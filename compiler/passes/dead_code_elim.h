// Dead-code elimination: removes nodes whose values reach no graph output (state updates,
// flagged kSideEffect, are always kept), then compacts the graph.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of nodes removed.
int eliminateDeadCode(Graph& g);

} // namespace llie
