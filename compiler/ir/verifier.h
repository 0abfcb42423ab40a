// The IR verifier: structural invariants (inputs defined before use, arity, attribute type,
// outputs exist) and that every node's recorded type agrees with its shape rule.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Ok, or the first broken invariant, located at the offending node's span.
Status verifyGraph(const Graph& g);

} // namespace llie
