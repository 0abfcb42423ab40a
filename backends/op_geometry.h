// The shape checks and index geometry that every backend reads the same way from a specialised
// conv2d, conv_transpose2d, matmul, pooling, resize, concat or l2_normalize node (a malformed
// node is a badNode error value), and PyTorch's source-coordinate formulas for resize. Integer
// shape arithmetic only: nothing here touches tensor data, so the reference oracle and the fast
// backends can share it.
#pragma once
#include "backends/kernel_util.h"

namespace llie::kernels {

/// Conv2d: x [N, C, H, W], weight [O, C/G, KH, KW], y [N, O, OH, OW], optional bias [O];
/// pads top/bottom/left/right, PyTorch dilation (1 = dense).
struct ConvGeom {
  int64_t N, C, H, W, O, Cg, KH, KW, OH, OW, G;
  int64_t sh, sw, pt, pb, pl, pr, dh, dw;
  bool hasBias;
  bool residual; ///< the last input is added before the epilogue (Conv2dAttrs::residual)
  /// A fused depthwise stage (Conv2dAttrs::depthwise): its stride (0: none). The fields above
  /// then describe the 1x1 first stage (OH = H, OW = W), and depthwiseStage(c) the second.
  int64_t dwStride = 0;
  Epilogue dwEpilogue = Epilogue::None;
};
Expected<ConvGeom> convGeometry(const Graph& g, const Node& n);
/// The depthwise stage of a fused conv (c.dwStride > 0): 3x3, padding 1, with bias, over the
/// first stage's output; its OH, OW are the node's output size.
ConvGeom depthwiseStage(const ConvGeom& c);

/// ConvTranspose2d (PyTorch's layout): x [N, C, H, W], weight [C, O/G, KH, KW], y [N, O, OH, OW],
/// optional bias [O]; OH = (H−1)·sh − pt − pb + dh·(KH−1) + oph + 1 (likewise OW).
struct ConvTGeom {
  int64_t N, C, H, W, O, Og, KH, KW, OH, OW, G;
  int64_t sh, sw, pt, pb, pl, pr, dh, dw, oph, opw;
  bool hasBias;
};
Expected<ConvTGeom> convTransposeGeometry(const Graph& g, const Node& n);

/// MatMul: y[b..., M, N] = op(A)[b..., M, K] · op(B)[b..., K, N] (+ bias), the batch axes
/// broadcast NumPy-style. `batch` is y's batch shape; aStrides / bStrides give, per batch axis,
/// the operand's matrix stride (0 where that operand is broadcast). The bias (any shape that
/// broadcasts to y) is read through biasStrides, over y's full rank.
struct MatMulGeom {
  Dims batch, aStrides, bStrides;
  int64_t M, K, N;
  bool transA, transB, hasBias;
  Dims aShape, bShape, biasShape, biasStrides; ///< operands' shapes padded to y's rank
};
Expected<MatMulGeom> matmulGeometry(const Graph& g, const Node& n);

/// One axis of a same-shape op's input (l2_normalize): the tensor as [outer, K, inner] with K
/// the axis' length.
struct AxisGeom {
  int64_t outer, K, inner;
};
Expected<AxisGeom> axisGeometry(const Graph& g, const Node& n, int64_t axis);

/// InstanceNorm: x [N, C, spatial...] as N·C rows of S values; the first c0 channels are
/// normalised (all C unless NormAttrs.channels > 0), gamma and beta have c0 values.
struct InstanceNormGeom {
  int64_t N, C, S, c0;
};
Expected<InstanceNormGeom> instanceNormGeometry(const Graph& g, const Node& n);

/// The last two axes of a tensor as `planes` images of H x W, resampled to OH x OW.
struct PlaneGeom {
  int64_t planes, H, W, OH, OW;
};
/// x's leading axes as planes, the last two as H x W (y's as OH x OW); false unless rank >= 2
/// and y has x's rank.
bool splitPlanes(const Dims& x, const Dims& y, PlaneGeom& p);

/// MaxPool2d / AvgPool2d: leading axes kept, pads top/bottom/left/right.
struct PoolGeom : PlaneGeom {
  int64_t kh, kw, sh, sw, pt, pb, pl, pr;
};
Expected<PoolGeom> poolGeometry(const Graph& g, const Node& n);

/// Resize of the last two axes to ResizeAttrs.size.
Expected<PlaneGeom> resizeGeometry(const Graph& g, const Node& n);

/// Pad of the last two axes (a rank-1 x is one row) of x to y by PadAttrs.pads; with `grad`,
/// y is pad_grad's dy, whose leading axes must be x's. Reflect pads must be smaller than x.
Expected<PlaneGeom> padPlanes(const Node& n, const Dims& x, const Dims& y, bool grad);
/// pad(x) -> y.
Expected<PlaneGeom> padGeometry(const Graph& g, const Node& n);

/// The concat axis, normalised, once every input agrees with the output off that axis and the
/// extents along it add up.
Expected<int64_t> concatAxis(const Graph& g, const Node& n);

/// PyTorch's nearest source index: min(floor(dst * (float)in/out), in-1), in float as its CPU
/// kernel computes it (identity when out == in, dst/2 when out == 2·in).
int64_t nearestSrc(int64_t dst, int64_t in, int64_t out);

/// PyTorch's bilinear taps along one axis: value = x[i0]·(1 − w1) + x[i1]·w1.
struct LinearTap {
  int64_t i0, i1;
  double w1;
};
/// align_corners=False: src = max(0, (dst + 0.5)·in/out − 0.5); True: dst·(in−1)/(out−1)
/// (0 when out == 1). i0 = min(floor(src), in−1), i1 = min(i0+1, in−1).
LinearTap linearTap(int64_t dst, int64_t in, int64_t out, bool alignCorners);

} // namespace llie::kernels
