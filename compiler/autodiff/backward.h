// Reverse-mode differentiation over the graph IR. appendBackward() walks the nodes that the loss
// depends on in reverse order, asks each op's gradient rule (grad_builder.h) for its inputs'
// gradients and sums the gradients of values read more than once. Only values that depend on a
// requested parameter get gradients, so no work is spent on, say, the input image's gradient.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

#include <vector>

namespace llie {

/// Appends to `g` the gradient of the scalar `loss` with respect to each value in `wrt`; the
/// result has one entry per `wrt` value: its gradient, or kNoValue when the loss does not
/// depend on it. An op without a gradient rule on the path is an error at its .llie span.
Expected<std::vector<ValueId>> appendBackward(Graph& g, ValueId loss,
                                              const std::vector<ValueId>& wrt);

} // namespace llie
