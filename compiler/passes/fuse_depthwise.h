// fuse-depthwise (inference only): a 1x1 conv whose output only a 3x3 depthwise conv reads
// (MobileNetV2's expansion and depthwise stages) becomes one conv2d node with a fused depthwise
// stage (Conv2dAttrs::depthwise = its stride): conv2d(x, w, b, dw_w, dw_b). On the cpu it is
// oneDNN's depthwise post-op, which computes the expansion a few rows at a time and runs the
// depthwise conv on them while they are in cache, so the expanded tensor (the largest of the
// network: 4x the channels at full resolution) is never written to memory; the reference and cuda
// backends run the two convs in a row. Runs after fuse-epilogue, so both stages carry their
// activations (ReLU6 in MobileNetV2). Fused only: a plain 1x1 conv (stride 1, no padding, no
// groups, a bias, no residual) into a depthwise conv with one weight per channel, a 3x3 kernel,
// padding 1, stride 1 or 2, a bias, and no epilogue but none, ReLU, ReLU6, sigmoid or tanh.
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of depthwise convs fused into their 1x1 producers; compacts the graph.
int fuseDepthwise(Graph& g);

} // namespace llie
