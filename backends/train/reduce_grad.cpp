// reduce_grad(dy) -> dx: the gradient of sum / mean over `axes` (empty: every axis) of a tensor
// of shape `shape`. dy is the reduced tensor, with the reduced axes kept as size 1 (keepdim) or
// dropped; either form is accepted whatever `keepdim` says, since both name the same elements.
// dx is dy broadcast back to `shape` (a strided gather with stride 0 along the reduced axes),
// divided by the number of reduced elements when `mean` (an f32 division, as PyTorch's
// mean backward). The cpu backend's channels-last variant writes a 4-D dx in NHWC order (see
// backends/cpu/layout.h); it needs dy's elements in the same order either way (dy has one channel,
// or one pixel), so it is the same broadcast over the permuted shapes [N, H, W, C].
#include "backends/grad_geometry.h"
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

namespace llie::train {

namespace {

Expected<std::unique_ptr<Kernel>> reduceGrad(const Graph& g, const Node& n, bool channelsLast) {
  const auto& a = attrsOf<ReduceGradAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::ReduceGradGeom geo, kernels::reduceGradGeometry(g, n));
  Dims y = geo.y, kept = geo.kept;
  const int64_t rank = static_cast<int64_t>(y.size()), count = geo.count;
  if (channelsLast) {
    if (rank != 4 || (kept[1] != 1 && (kept[2] != 1 || kept[3] != 1)))
      return kernels::badNode(n, "a channels-last result needs dy with one channel or pixel");
    auto nhwc = [](const Dims& d) { return Dims{d[0], d[2], d[3], d[1]}; };
    kept = nhwc(kept);
    y = nhwc(y);
  }
  Broadcast<1> b;
  if (!b.init({kept}, y)) return kernels::badNode(n, "dy does not broadcast to `shape`");
  const bool mean = a.mean;
  const float div = static_cast<float>(count);
  return kernels::makeFnKernel([b, mean, div](const auto& in, const auto& out) {
    const float* D = in[0]->f32();
    float* Y = out[0]->f32();
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      const float* d = D + off[0];
      float* yr = Y + y0;
      if (mean)
        for (int64_t i = 0; i < len; ++i)
          yr[i] = d[i * is[0]] / div;
      else
        for (int64_t i = 0; i < len; ++i)
          yr[i] = d[i * is[0]];
    });
  });
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeReduceGrad(const Graph& g, const Node& n) {
  return reduceGrad(g, n, false);
}

Expected<std::unique_ptr<Kernel>> makeReduceGradChannelsLast(const Graph& g, const Node& n) {
  return reduceGrad(g, n, true);
}

} // namespace llie::train
