// The node geometry that the host kernels (backends/train) and the cuda backend share for prelu,
// argmax and kth_value, so both read a node the same way: prelu's slope by PyTorch's channel
// rule, argmax's axis, and kth_value's groups (the reduced axes split off the kept ones) and its
// k. Integer shape arithmetic only, like op_geometry.h; a malformed node is a badNode error value.
#pragma once
#include "backends/kernel_util.h"

namespace llie::kernels {

/// prelu(x, slope) -> y (y has x's shape): the shape the slope is read as, broadcast NumPy-style
/// to x. PyTorch's channel rule: a slope of one element is one scalar ([]), a rank-1 slope of
/// x.shape[1] elements applies along axis 1 ([C, 1, ..., 1]), any other slope must broadcast to
/// x as it is (the frontend's [C, 1, 1]).
Expected<Dims> preluSlopeShape(const Graph& g, const Node& n);

/// argmax over AxisAttrs.axis: x viewed as [outer, K, inner] (K > 0), one index per (outer,
/// inner) pair, row-major.
struct ArgMaxGeom {
  int64_t outer, K, inner;
};
Expected<ArgMaxGeom> argmaxGeometry(const Graph& g, const Node& n);

/// A tensor's axes split into the kept ones (the groups, row-major: the output's order, keepdim
/// or not) and the reduced ones (each group's `count` elements), with the tensor's strides along
/// each. An element's offset is offsetIn(group, kept) + offsetIn(position, reduced).
struct ReduceGroups {
  Dims keptShape, keptStrides; ///< over the kept axes
  Dims redShape, redStrides;   ///< over the reduced axes
  int64_t groups = 1, count = 1;
};
/// `axes` normalised (kernel_util.h's normAxes).
ReduceGroups reduceGroups(const Dims& x, const Dims& axes);
/// The offset of the idx-th element, row-major over `shape`, read through `strides`.
int64_t stridedOffset(int64_t idx, const Dims& shape, const Dims& strides);

/// kth_value over KthValueAttrs.axes: the groups (count > 0, one output element each) and k in
/// [1, count], k = int(fraction·count − 1) + 1 (Python's int(), toward zero), clamped.
struct KthValueGeom {
  ReduceGroups groups;
  int64_t k;
};
Expected<KthValueGeom> kthValueGeometry(const Graph& g, const Node& n);

} // namespace llie::kernels
