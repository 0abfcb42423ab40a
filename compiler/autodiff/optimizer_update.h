// The optimizer as graph nodes: optional clipping of the gradients by their global L2 norm
// (PyTorch's clip_grad_norm_: scale by min(1, max_norm / (norm + 1e-6))), then one
// sgd_update / adam_update node per parameter, whose results `assign`s write back to the
// parameter and to its moment buffers. The buffers are state tensors named
// "opt.<param>.momentum_buffer", "opt.<param>.exp_avg" and "opt.<param>.exp_avg_sq" (PyTorch's
// names), zero-initialised, and saved in checkpoints like any state.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

#include <vector>

namespace llie {

struct ParamGrad {
  NodeId param; ///< the param node
  ValueId grad;
};

/// Appends clipping and the updates; reads the scalar graph inputs "lr" and "step" (created
/// when missing).
Status appendOptimizer(Graph& g, const std::vector<ParamGrad>& grads, const TrainConfig& cfg);

/// The optimizer-update pass: the gradients the backward pass output as "grad.<param>" are
/// clipped and applied by appendOptimizer() with the graph's train config, then the gradient
/// outputs are dropped unless `keepGradientOutputs` (parity tests). Returns the number of
/// parameters updated.
Expected<int> updateParameters(Graph& g, bool keepGradientOutputs);

/// The graph's scalar input `name`, created when it has none.
ValueId scalarInput(Graph& g, const std::string& name);

} // namespace llie
