// Activation layouts on the cpu backend. oneDNN's convolutions on this class of CPU (brgconv,
// the depthwise brdgmm) read and write channels-last (NHWC) tensors; keeping the activations
// between them in NHWC removes the reorder into and out of every conv. This analysis, run by
// the kernels that care when they are prepared, decides once per graph which 4-D values are
// stored channels-last: a value is NHWC when it is written by a conv or by a layout-transparent
// op whose activation inputs are NHWC, and every op that reads it takes NHWC (a conv's input; a
// transparent op whose output is NHWC). Transparent ops: unary elementwise ops (the cpu kernel
// sees a flat array), binary elementwise ops without broadcasting, channel concat and oneDNN's
// resampling. Graph inputs and outputs, parameters and everything else stay plain NCHW, so the
// executor and the other backends never see a layout. Only inference graphs are analysed.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie::cpu {

/// One flag per value: stored channels-last (NHWC) by the cpu backend.
std::vector<bool> channelsLastValues(const Graph& g);

/// Whether the resize node runs on oneDNN's resampling (else on loops over NCHW planes).
bool resizeOnDnnl(const Graph& g, const Node& n);

} // namespace llie::cpu
