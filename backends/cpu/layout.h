// Activation layouts on the cpu backend. oneDNN's convolutions on this class of CPU (brgconv,
// the depthwise brdgmm, and the jit kernels of the gradients) read and write channels-last
// (NHWC) tensors; keeping the activations between them in NHWC removes the reorder into and out
// of every conv. This analysis, run by the kernels that care when they are prepared, decides once
// per graph (inference or training) which 4-D f32 values are stored channels-last. Every node
// says how it treats its 4-D operands (LayoutRule): some take each operand in either layout and
// adapt (a conv's data input and output; the data gradient's dy and dx; the weight gradient's x
// and dy; a reduction whose plain result is the same either way), some need a group of operands
// to share one layout and are indifferent to which (elementwise ops, unary_grad, batchnorm_train's
// x and y, batchnorm_grad's x, dy and dx, channel concat, resize and its gradient, ...), some only
// read an operand's shape (the gradients' x or w), and everything else reads and writes plain
// NCHW. A value is NHWC when its producer can write it so and every reader takes it; the set is
// the largest consistent one. Graph inputs and outputs, parameters, optimizer state, the 1-D
// statistics of the norms and everything else stay plain, so the executor and the other backends
// never see a layout.
//
// Then NHWC is refined into oneDNN's 16-channel blocked layout (nChw16c) where that saves
// reorders: Winograd convolutions and their gradients (winogradConv) read and write nChw16c
// only, 1x1 convs with a fused depthwise stage read it, and an inference graph's 1x1 convs run
// on it as fast as on NHWC or faster, while other direct convs want NHWC.
// Values that must share a layout (a tied group: the operands of an elementwise op, a channel
// concat, a resize, a conv's fused residual and output, a batchnorm's x and y, its gradient's x,
// dy and dx) take one layout together; a group whose every member is NHWC, has a multiple of 16
// channels (so the blocks hold no padding and the bytes are those of NHWC) and is only touched
// by ops that take nChw16c (convs and their gradients, flat elementwise ops, the batchnorm
// family, channel concat, resize and resize_grad) becomes blocked when the bytes its convs would
// reorder are fewer that way.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie::cpu {

/// How the cpu backend stores a value: plain (row-major, NCHW for 4-D), channels-last (NHWC), or
/// oneDNN's nChw16c (4-D f32 with C % 16 == 0).
enum class Layout : uint8_t { Plain, Nhwc, Blocked16 };

/// The channels a layout stores together, innermost, at each pixel: all C for NHWC, one block
/// of 16 for nChw16c, 1 for plain (so a 4-D value is [N·C/inner, H, W, inner]).
inline int64_t innerChannels(Layout layout, int64_t c) {
  return layout == Layout::Nhwc ? c : layout == Layout::Blocked16 ? 16 : 1;
}

/// The layout of every value of `g`.
std::vector<Layout> activationLayouts(const Graph& g);

/// One flag per value: stored channels-last (NHWC). For the kernels that take plain or NHWC only
/// (a blocked value never reaches them).
std::vector<bool> channelsLastValues(const Graph& g);

/// Whether the conv2d, conv2d_grad_input or conv2d_grad_weight node `n` runs on oneDNN's
/// Winograd algorithm (see conv2d.cpp for the rule and why).
bool winogradConv(const Graph& g, const Node& n);

/// A conv2d with at most this many output channels, one group, a multiple of 16 input channels,
/// no residual or fused depthwise stage runs on conv_few_outputs.cpp's kernel when its input is
/// NHWC or nChw16c (either: the layouts' cost model leaves it out).
inline constexpr int64_t kFewOutputChannels = 4;
bool fewOutputConv(const Graph& g, const Node& n);

/// Whether the reduction `n` of a 4-D input gives the same plain result when it walks the input
/// channels-last: the kept axes of size > 1 are in the same order in NCHW and NHWC (the channel
/// axis is reduced or 1, or both spatial axes are).
bool reduceReadsChannelsLast(const Graph& g, const Node& n);

} // namespace llie::cpu
