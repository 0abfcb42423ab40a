// The strided-gather views of the data-movement ops declared in gather_geometry.h. The pixel
// shuffles use PyTorch's channel order c·r² + i·r + j.
#include "backends/gather_geometry.h"

#include <algorithm>

namespace llie::kernels {
namespace {

Expected<GatherGeom> permute(const Node& n, const Dims& x, const Dims& y) {
  const auto& perm = attrsOf<PermuteAttrs>(n).perm;
  int64_t r = static_cast<int64_t>(x.size());
  if (static_cast<int64_t>(perm.size()) != r || static_cast<int64_t>(y.size()) != r)
    return badNode(n, "perm length");
  Dims xs = stridesOf(x), strides(r);
  std::vector<bool> seen(r, false);
  for (int64_t d = 0; d < r; ++d) {
    int64_t p = normAxis(perm[d], r);
    if (p < 0 || seen[p] || y[d] != x[p]) return badNode(n, "not a permutation");
    seen[p] = true;
    strides[d] = xs[p];
  }
  return GatherGeom{y, strides, 0};
}

/// A slice of x to y (or slice_grad's dy): the axis, normalised, and the start, clamped into
/// x's extent as PyTorch does, once the slice fits in x.
struct SliceAxis {
  int64_t axis, start;
};
Expected<SliceAxis> sliceAxis(const Node& n, const Dims& x, const Dims& y) {
  const auto& a = attrsOf<SliceAttrs>(n);
  int64_t axis = normAxis(a.axis, static_cast<int64_t>(x.size()));
  if (axis < 0 || y.size() != x.size() || a.step < 1) return badNode(n, "axis/step");
  int64_t start = a.start.off;
  if (start < 0) start += x[axis];
  start = std::clamp<int64_t>(start, 0, x[axis]);
  if (y[axis] > 0 && start + (y[axis] - 1) * a.step >= x[axis])
    return badNode(n, "slice runs past the input");
  return SliceAxis{axis, start};
}

Expected<GatherGeom> slice(const Node& n, const Dims& x, Dims y, bool channelsLast) {
  const auto& a = attrsOf<SliceAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(SliceAxis sa, sliceAxis(n, x, y));
  const int64_t axis = sa.axis, start = sa.start;
  if (channelsLast && x.size() != 4) return badNode(n, "channels-last needs rank 4");
  Dims strides = channelsLast ? Dims{x[1] * x[2] * x[3], 1, x[3] * x[1], x[1]} : stridesOf(x);
  int64_t base = start * strides[axis];
  strides[axis] *= a.step;
  if (channelsLast) {
    y = {y[0], y[2], y[3], y[1]};
    strides = {strides[0], strides[2], strides[3], strides[1]};
  }
  return GatherGeom{y, strides, base};
}

Expected<GatherGeom> expand(const Node& n, const Dims& x, const Dims& y) {
  Dims strides;
  if (x.size() > y.size() || !broadcastStrides(padLeft(x, y.size()), y, strides))
    return badNode(n, "input does not broadcast to the output");
  return GatherGeom{y, strides, 0};
}

Expected<GatherGeom> pixelShuffle(const Node& n, const Dims& x, const Dims& y) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  if (r < 1 || x.size() != 4 || x[1] % (r * r) ||
      y != Dims{x[0], x[1] / (r * r), x[2] * r, x[3] * r})
    return badNode(n, "shapes disagree with the factor");
  int64_t C = y[1], H = x[2], W = x[3], plane = H * W;
  // y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w], y viewed as [N, C, H, r, W, r].
  return GatherGeom{
      {x[0], C, H, r, W, r}, {x[1] * plane, r * r * plane, W, r * plane, 1, plane}, 0};
}

Expected<GatherGeom> pixelUnshuffle(const Node& n, const Dims& x, const Dims& y) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  if (r < 1 || x.size() != 4 || x[2] % r || x[3] % r ||
      y != Dims{x[0], x[1] * r * r, x[2] / r, x[3] / r})
    return badNode(n, "shapes disagree with the factor");
  int64_t C = x[1], H = x[2], W = x[3];
  // y[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j], y viewed as [N, C, r, r, H/r, W/r].
  return GatherGeom{{x[0], C, r, r, H / r, W / r}, {C * H * W, H * W, W, 1, r * W, r}, 0};
}

} // namespace

Expected<GatherGeom> gatherGeometry(const Graph& g, const Node& n, bool channelsLast) {
  Dims x = inShape(g, n, 0), y = outShape(g, n);
  if (channelsLast && n.op != OpKind::Slice) return badNode(n, "channels-last gathers slice only");
  switch (n.op) {
  case OpKind::Permute:
    return permute(n, x, y);
  case OpKind::Slice:
    return slice(n, x, y, channelsLast);
  case OpKind::Expand:
    return expand(n, x, y);
  case OpKind::PixelShuffle:
    return pixelShuffle(n, x, y);
  case OpKind::PixelUnshuffle:
    return pixelUnshuffle(n, x, y);
  default:
    return badNode(n, "not a gather op");
  }
}

Expected<SliceGradGeom> sliceGradGeometry(const Graph& g, const Node& n) {
  Dims x = inShape(g, n, 0), y = inShape(g, n, 1);
  LLIE_ASSIGN_OR_RETURN(SliceAxis sa, sliceAxis(n, x, y));
  if (outShape(g, n) != x) return badNode(n, "output shape differs from x");
  for (size_t d = 0; d < x.size(); ++d)
    if (static_cast<int64_t>(d) != sa.axis && x[d] != y[d])
      return badNode(n, "dy differs from x off the slice axis");
  SliceGradGeom r{1, x[sa.axis], y[sa.axis], 1, sa.start, attrsOf<SliceAttrs>(n).step};
  for (int64_t i = 0; i < sa.axis; ++i)
    r.outer *= x[i];
  for (size_t i = sa.axis + 1; i < x.size(); ++i)
    r.inner *= x[i];
  return r;
}

} // namespace llie::kernels
