// fuse-batchnorm-activation (training steps, after rematerialize): conv → batchnorm → relu6
// blocks keep one tensor for the backward pass and make no separate activation passes.
//  - Forward: a batchnorm_train or batchnorm (a recomputation) whose output only a relu or relu6
//    (or clamp(0, 6)) reads takes the activation as its epilogue.
//  - Backward: unary_grad{relu|relu6}(a, dy) (the mask on the activation's output), a the
//    output of such a fused node over x, feeding
//    only the batchnorm_grad of that same x and statistics, becomes
//    batchnorm_grad{epilogue}(x, gamma, mean, var, dy, beta): the kernel recomputes the mask
//    from x as the forward computed the activation, so neither the mask pass nor (where nothing
//    else reads it) the recomputed activation remains.
// Loss and gradients are bit-identical with and without the pass on the cpu backend.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of activations and activation gradients fused; compacts the graph.
int fuseBatchNormActivation(Graph& g);

} // namespace llie
