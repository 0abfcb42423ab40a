// The prelu, argmax and kth_value node geometry declared in select_geometry.h.
#include "backends/select_geometry.h"

#include <algorithm>

namespace llie::kernels {
namespace {

/// MBLLEN's threshold rank: int(fraction·count − 1) + 1 clamped to [1, count].
int64_t kOf(double fraction, int64_t count) {
  const double v = fraction * static_cast<double>(count) - 1.0;
  const int64_t k = static_cast<int64_t>(v) + 1; // int() truncates toward zero, as Python's
  return std::clamp<int64_t>(k, 1, std::max<int64_t>(count, 1));
}

} // namespace

Expected<Dims> preluSlopeShape(const Graph& g, const Node& n) {
  Dims x = inShape(g, n, 0), w = inShape(g, n, 1);
  if (x != outShape(g, n)) return badNode(n, "output shape differs from the input's");
  Dims ws = w;
  if (numel(w) == 1)
    ws = {}; // one slope for every element
  else if (w.size() == 1 && x.size() >= 2 && w[0] == x[1]) {
    ws = Dims(x.size() - 1, 1); // [C] along axis 1: [C, 1, ..., 1]
    ws[0] = w[0];
  }
  Dims b;
  if (!broadcastShapes(x, ws, b) || b != x)
    return badNode(n, "slope must have 1 or x.shape[1] elements, or broadcast to x");
  return ws;
}

Expected<ArgMaxGeom> argmaxGeometry(const Graph& g, const Node& n) {
  const Dims x = inShape(g, n, 0);
  const int64_t ax = normAxis(attrsOf<AxisAttrs>(n).axis, static_cast<int64_t>(x.size()));
  if (ax < 0) return badNode(n, "axis out of range");
  if (x[ax] == 0) return badNode(n, "argmax over an empty axis");
  ArgMaxGeom r{1, x[ax], 1};
  for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
    if (d < ax) r.outer *= x[d];
    if (d > ax) r.inner *= x[d];
  }
  if (numel(outShape(g, n)) != r.outer * r.inner)
    return badNode(n, "the result must hold one index per position off the axis");
  return r;
}

ReduceGroups reduceGroups(const Dims& x, const Dims& axes) {
  ReduceGroups g;
  const Dims st = stridesOf(x);
  for (size_t d = 0; d < x.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
    (reduced ? g.redShape : g.keptShape).push_back(x[d]);
    (reduced ? g.redStrides : g.keptStrides).push_back(st[d]);
  }
  g.groups = numel(g.keptShape);
  g.count = numel(g.redShape);
  return g;
}

int64_t stridedOffset(int64_t idx, const Dims& shape, const Dims& strides) {
  int64_t off = 0;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    off += (idx % shape[d]) * strides[d];
    idx /= shape[d];
  }
  return off;
}

Expected<KthValueGeom> kthValueGeometry(const Graph& g, const Node& n) {
  const auto& at = attrsOf<KthValueAttrs>(n);
  const Dims x = inShape(g, n, 0);
  bool ok = true;
  const Dims axes = normAxes(at.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return badNode(n, "axes out of range");
  KthValueGeom r{reduceGroups(x, axes), 0};
  if (numel(outShape(g, n)) != r.groups.groups)
    return badNode(n, "the result must keep one element per group");
  if (r.groups.count == 0) return badNode(n, "kth_value over no elements");
  r.k = kOf(at.fraction, r.groups.count);
  return r;
}

} // namespace llie::kernels
