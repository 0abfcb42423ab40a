// fold-batchnorm (inference only): a conv2d whose output only a batchnorm reads becomes one conv
// with the normalisation folded into its weight and bias. With a = gamma / sqrt(var + eps) per
// output channel:  W' = W * a (a broadcast as [O, 1, 1, 1]),  b' = (b - mean) * a + beta
// (b = 0 for a conv without bias). The terms are ordinary graph ops over the parameter values
// (weights are runtime data), so the executor computes them once when weights are set
// (weightOnlyNodes). Grouped and depthwise convs fold the same way (O = output channels).
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of batchnorms folded; compacts the graph.
int foldBatchNorm(Graph& g);

/// The BN arithmetic as graph values (shared with batchnorm-to-affine), each node carrying
/// `spans`. scale: a = gamma / sqrt(var + eps), shape [C].
ValueId batchNormScale(Graph& g, ValueId gamma, ValueId var, double eps,
                       const std::vector<SourceSpan>& spans);
/// shift: (bias - mean) * a + beta, or beta - mean * a when bias is kNoValue; shape [C].
ValueId batchNormShift(Graph& g, ValueId scale, ValueId beta, ValueId mean, ValueId bias,
                       const std::vector<SourceSpan>& spans);

} // namespace llie
