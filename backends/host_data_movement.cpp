// Host data movement as OpenMP loops (see host_data_movement.h): reshape and stop_grad (a
// parallel copy, nothing when the executor aliases the buffers), permute / slice / expand and
// pixel_shuffle / pixel_unshuffle (one strided gather each, gather_geometry.h's, axes merged at
// prepare time), and pad of the last two axes (constant
// value, PyTorch 'reflect' without edge repeat, 'replicate') through per-row and per-column
// source tables built at prepare time.
#include "backends/host_data_movement.h"

#include "backends/gather_geometry.h"
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

namespace {

/// The node's gather (gather_geometry.h); a rank-0 one is a copy.
Expected<std::unique_ptr<Kernel>> gather(const Graph& g, const Node& n, bool channelsLast) {
  LLIE_ASSIGN_OR_RETURN(kernels::GatherGeom geo, kernels::gatherGeometry(g, n, channelsLast));
  if (geo.shape.empty()) return makeCopy(g, n);
  return gatherKernel(geo.shape, geo.strides, geo.base);
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeGather(const Graph& g, const Node& n) {
  return gather(g, n, false);
}

Expected<std::unique_ptr<Kernel>> makeSliceChannelsLast(const Graph& g, const Node& n) {
  return gather(g, n, true);
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

} // namespace llie::host
