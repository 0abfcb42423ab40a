// Reference data movement: reshape (a copy), permute, slice (start/step along one axis),
// pad of the last two axes (constant value, PyTorch 'reflect' without edge repeat,
// 'replicate'), and expand (NumPy broadcast to the output shape). All but reshape and pad are
// one strided gather: out[idx] = in[base + sum(idx[d]·stride[d])].
#include "backends/reference/ref_kernels.h"

#include <cstring>

namespace llie::ref {
namespace {

std::unique_ptr<Kernel> gatherKernel(Dims shape, Dims strides, int64_t base) {
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    int64_t total = numel(shape);
    Dims idx(shape.size(), 0);
    for (int64_t i = 0; i < total; ++i) {
      int64_t o = base;
      for (size_t d = 0; d < shape.size(); ++d) o += idx[d] * strides[d];
      Y[i] = X[o];
      for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

Expected<std::unique_ptr<Kernel>> makeReshape(const Graph& g, const Node& n) {
  if (numel(kernels::inShape(g, n, 0)) != numel(kernels::outShape(g, n)))
    return kernels::badNode(n, "element counts differ");
  return kernels::makeFnKernel([](const auto& in, const auto& out) {
    if (out[0]->data != in[0]->data && out[0]->bytes())
      std::memmove(out[0]->data, in[0]->data, out[0]->bytes());
  });
}

Expected<std::unique_ptr<Kernel>> makePermute(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  const auto& perm = attrsOf<PermuteAttrs>(n).perm;
  int64_t r = static_cast<int64_t>(x.size());
  if (static_cast<int64_t>(perm.size()) != r || static_cast<int64_t>(y.size()) != r)
    return kernels::badNode(n, "perm length");
  Dims xs = kernels::stridesOf(x), strides(r);
  std::vector<bool> seen(r, false);
  for (int64_t d = 0; d < r; ++d) {
    int64_t p = kernels::normAxis(perm[d], r);
    if (p < 0 || seen[p] || y[d] != x[p]) return kernels::badNode(n, "not a permutation");
    seen[p] = true;
    strides[d] = xs[p];
  }
  return gatherKernel(y, strides, 0);
}

Expected<std::unique_ptr<Kernel>> makeSlice(const Graph& g, const Node& n) {
  const auto& a = attrsOf<SliceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  int64_t axis = kernels::normAxis(a.axis, static_cast<int64_t>(x.size()));
  if (axis < 0 || y.size() != x.size() || a.step < 1) return kernels::badNode(n, "axis/step");
  int64_t start = a.start.off;
  if (start < 0) start += x[axis];
  start = std::clamp<int64_t>(start, 0, x[axis]);
  if (y[axis] > 0 && start + (y[axis] - 1) * a.step >= x[axis])
    return kernels::badNode(n, "slice runs past the input");
  Dims strides = kernels::stridesOf(x);
  int64_t base = start * strides[axis];
  strides[axis] *= a.step;
  return gatherKernel(y, strides, base);
}

Expected<std::unique_ptr<Kernel>> makeExpand(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  Dims strides;
  if (x.size() > y.size() || !kernels::broadcastStrides(kernels::padLeft(x, y.size()), y, strides))
    return kernels::badNode(n, "input does not broadcast to the output");
  return gatherKernel(y, strides, 0);
}

/// Source index along one padded axis, or -1 for the constant value.
int64_t padSrc(int64_t o, int64_t before, int64_t size, PadMode mode) {
  int64_t i = o - before;
  if (i >= 0 && i < size) return i;
  if (mode == PadMode::Zero) return -1;
  if (mode == PadMode::Replicate) return i < 0 ? 0 : size - 1;
  if (size == 1) return 0;
  int64_t period = 2 * (size - 1); // reflect: ... 2 1 [0 1 2 .. n-1] n-2 ...
  i %= period;
  if (i < 0) i += period;
  return i < size ? i : period - i;
}

Expected<std::unique_ptr<Kernel>> makePad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<PadAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  size_t r = x.size();
  if (r < 1 || y.size() != r || a.pads.size() != 4) return kernels::badNode(n, "rank/pads");
  bool has2 = r >= 2;
  if (!has2 && (a.pads[0] || a.pads[1])) return kernels::badNode(n, "rank-1 input padded in H");
  int64_t H = has2 ? x[r - 2] : 1, W = x[r - 1];
  int64_t OH = has2 ? y[r - 2] : 1, OW = y[r - 1];
  if (OH != H + a.pads[0] + a.pads[1] || OW != W + a.pads[2] + a.pads[3])
    return kernels::badNode(n, "output shape disagrees with pads");
  if (a.mode == PadMode::Reflect && (a.pads[0] >= H || a.pads[1] >= H || a.pads[2] >= W ||
                                     a.pads[3] >= W))
    return kernels::badNode(n, "reflect padding must be smaller than the input");
  int64_t planes = numel(x) / (H * W);
  int64_t top = a.pads[0], left = a.pads[2];
  PadMode mode = a.mode;
  double value = a.value;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        int64_t ih = padSrc(oh, top, H, mode);
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t iw = padSrc(ow, left, W, mode);
          Y[(p * OH + oh) * OW + ow] = (ih < 0 || iw < 0) ? static_cast<float>(value)
                                                          : X[(p * H + ih) * W + iw];
        }
      }
  });
}

} // namespace

void registerDataMovement(Registry& r) {
  r.add(OpKind::Reshape, makeReshape);
  r.add(OpKind::Permute, makePermute);
  r.add(OpKind::Slice, makeSlice);
  r.add(OpKind::Expand, makeExpand);
  r.add(OpKind::Pad, makePad);
}

} // namespace llie::ref
