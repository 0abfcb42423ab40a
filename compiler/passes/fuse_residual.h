// fuse-residual (inference only): add(r, conv2d(x)) with the conv's output read by the add alone
// becomes conv2d(x, w, [b], r){residual}: the residual is summed into the convolution's result
// before its epilogue (oneDNN's sum post-op on cpu, cuDNN's beta = 1 on cuda, the accumulator in
// the reference loops), and the memory plan lets the conv write over r when it is r's last
// reader. MobileNet's identity shortcut (x + project(h)) and an FPN's lateral conv plus the
// upsampled coarser level are both this pattern. Runs after fold-batchnorm (the conv then carries
// the folded bias) and before fuse-epilogue, so relu(conv(x) + r) ends as one conv too. Not
// fused: a conv that already has an epilogue (act(conv) + r adds after the activation), an
// add that broadcasts, and r read by the same conv (conv2d(x) + x, which cannot run in place).
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of adds fused into convolutions; compacts the graph.
int fuseResidual(Graph& g);

} // namespace llie
