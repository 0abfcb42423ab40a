// Host data movement as OpenMP loops (see host_data_movement.h): reshape and stop_grad (a
// parallel copy, nothing when the executor aliases the buffers), permute / slice / expand and
// pixel_shuffle / pixel_unshuffle (one strided gather each, axes merged at prepare time; the
// shuffles in PyTorch's channel order c·r² + i·r + j), and pad of the last two axes (constant
// value, PyTorch 'reflect' without edge repeat, 'replicate') through per-row and per-column
// source tables built at prepare time.
#include "backends/host_data_movement.h"

#include "backends/host_loops.h"
#include "backends/op_geometry.h"

namespace llie::host {
namespace {

using kernels::Dims;

std::unique_ptr<Kernel> gatherKernel(Dims shape, Dims strides, int64_t base) {
  bool empty = numel(shape) == 0;
  simplifyGather(shape, strides);
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    if (!empty) stridedGather(in[0]->f32(), out[0]->f32(), shape, strides, base);
  });
}

} // namespace

std::vector<int64_t> padTable(int64_t out, int64_t before, int64_t size, PadMode mode) {
  std::vector<int64_t> t(out);
  for (int64_t o = 0; o < out; ++o) {
    int64_t i = o - before;
    if (i < 0 || i >= size) {
      if (mode == PadMode::Zero)
        i = -1;
      else if (mode == PadMode::Replicate)
        i = i < 0 ? 0 : size - 1;
      else if (size == 1)
        i = 0;
      else { // reflect: ... 2 1 [0 1 2 .. n-1] n-2 ...
        int64_t period = 2 * (size - 1);
        i = ((i % period) + period) % period;
        if (i >= size) i = period - i;
      }
    }
    t[o] = i;
  }
  return t;
}

Expected<std::unique_ptr<Kernel>> makeCopy(const Graph& g, const Node& n) {
  if (numel(kernels::inShape(g, n, 0)) != numel(kernels::outShape(g, n)))
    return kernels::badNode(n, "element counts differ");
  return kernels::makeFnKernel([](const auto& in, const auto& out) {
    parallelCopy(out[0]->f32(), in[0]->f32(), out[0]->numel());
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
  if (r == 0) return makeCopy(g, n);
  return gatherKernel(y, strides, 0);
}

namespace {

/// Slice as a gather; a channels-last 4-D input and result (the cpu backend's NHWC values) are
/// walked in their memory order [N, H, W, C], the sliced axis keeping its stride.
Expected<std::unique_ptr<Kernel>> slice(const Graph& g, const Node& n, bool channelsLast) {
  const auto& a = attrsOf<SliceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  int64_t axis = kernels::normAxis(a.axis, static_cast<int64_t>(x.size()));
  if (axis < 0 || y.size() != x.size() || a.step < 1) return kernels::badNode(n, "axis/step");
  int64_t start = a.start.off;
  if (start < 0) start += x[axis];
  start = std::clamp<int64_t>(start, 0, x[axis]);
  if (y[axis] > 0 && start + (y[axis] - 1) * a.step >= x[axis])
    return kernels::badNode(n, "slice runs past the input");
  if (channelsLast && x.size() != 4) return kernels::badNode(n, "channels-last needs rank 4");
  Dims strides =
      channelsLast ? Dims{x[1] * x[2] * x[3], 1, x[3] * x[1], x[1]} : kernels::stridesOf(x);
  int64_t base = start * strides[axis];
  strides[axis] *= a.step;
  if (channelsLast) {
    y = {y[0], y[2], y[3], y[1]};
    strides = {strides[0], strides[2], strides[3], strides[1]};
  }
  return gatherKernel(y, strides, base);
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeSlice(const Graph& g, const Node& n) {
  return slice(g, n, false);
}

Expected<std::unique_ptr<Kernel>> makeSliceChannelsLast(const Graph& g, const Node& n) {
  return slice(g, n, true);
}

Expected<std::unique_ptr<Kernel>> makeExpand(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  Dims strides;
  if (x.size() > y.size() || !kernels::broadcastStrides(kernels::padLeft(x, y.size()), y, strides))
    return kernels::badNode(n, "input does not broadcast to the output");
  if (y.empty()) return makeCopy(g, n);
  return gatherKernel(y, strides, 0);
}

Expected<std::unique_ptr<Kernel>> makePad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGeometry(g, n));
  const int64_t planes = p.planes, H = p.H, W = p.W, OH = p.OH, OW = p.OW;
  std::vector<int64_t> rows = padTable(OH, a.pads[0], H, a.mode);
  std::vector<int64_t> cols = padTable(OW, a.pads[2], W, a.mode);
  float value = static_cast<float>(a.value);

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
#pragma omp parallel for collapse(2) schedule(static) if (planes * OH * OW > 32768)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* y = Y + (p * OH + oh) * OW;
        int64_t ih = rows[oh];
        if (ih < 0) {
          std::fill(y, y + OW, value);
          continue;
        }
        const float* x = X + (p * H + ih) * W;
        for (int64_t ow = 0; ow < OW; ++ow)
          y[ow] = cols[ow] < 0 ? value : x[cols[ow]];
      }
  });
}

Expected<std::unique_ptr<Kernel>> makePixelShuffle(const Graph& g, const Node& n) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  if (r < 1 || x.size() != 4 || x[1] % (r * r) ||
      y != Dims{x[0], x[1] / (r * r), x[2] * r, x[3] * r})
    return kernels::badNode(n, "shapes disagree with the factor");
  int64_t C = y[1], H = x[2], W = x[3], plane = H * W;
  // y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w], y viewed as [N, C, H, r, W, r].
  Dims shape{x[0], C, H, r, W, r};
  Dims strides{x[1] * plane, r * r * plane, W, r * plane, 1, plane};
  return gatherKernel(shape, strides, 0);
}

Expected<std::unique_ptr<Kernel>> makePixelUnshuffle(const Graph& g, const Node& n) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  if (r < 1 || x.size() != 4 || x[2] % r || x[3] % r ||
      y != Dims{x[0], x[1] * r * r, x[2] / r, x[3] / r})
    return kernels::badNode(n, "shapes disagree with the factor");
  int64_t C = x[1], H = x[2], W = x[3];
  // y[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j], y viewed as [N, C, r, r, H/r, W/r].
  Dims shape{x[0], C, r, r, H / r, W / r};
  Dims strides{C * H * W, H * W, W, 1, r * W, r};
  return gatherKernel(shape, strides, 0);
}

} // namespace llie::host
