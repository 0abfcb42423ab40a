// fuse-elementwise (inference only): greedy maximal groups of f32 elementwise ops become one
// fused_elementwise node each, evaluated in one pass over memory instead of one pass per op.
// A group grows backwards from its last op (the root, whose value leaves the group): an
// elementwise op joins when its result has the root's shape and is f32, it is no graph output
// and every reader of it is already in the group. Operands from outside may broadcast (scalars,
// per-channel tensors). Weight-only nodes (computed once per weight load) and convs are left
// alone; only groups of two or more ops (and at most 64 operands) are rewritten. The fused node
// takes the root's place and value and carries the spans of every op it absorbed.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of fused_elementwise nodes made; compacts the graph.
int fuseElementwise(Graph& g);

} // namespace llie
