// batchnorm-to-affine (inference only): a batchnorm that fold-batchnorm could not absorb (its
// input is not a lone conv's output) becomes y = x * a + c with per-channel a = gamma /
// sqrt(var + eps) and c = beta - mean * a, reshaped to [1, C, 1, ...] so they broadcast over
// the input. a and c are weight-only values (computed once when weights are set), so at run
// time the batchnorm is one multiply and one add.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of batchnorms rewritten; compacts the graph.
int batchNormToAffine(Graph& g);

} // namespace llie
