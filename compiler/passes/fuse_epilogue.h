// fuse-epilogue (inference only): a conv2d or matmul without an epilogue whose output only an
// activation reads takes that activation as its epilogue (a oneDNN post-op on cpu, applied in
// the reference kernels' loops): relu, relu6 (also clamp(lo=0, hi=6)), sigmoid, tanh, and
// leaky_relu (conv2d only: matmul's attributes carry no slope). Runs after fold-batchnorm, so
// conv -> batchnorm -> relu6 ends as one conv.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of activations fused; compacts the graph.
int fuseEpilogue(Graph& g);

} // namespace llie
