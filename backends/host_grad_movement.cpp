// The host gradient kernels declared in host_grad_movement.h: one separable-adjoint gather
// (pad_grad, resize_grad, avg_pool2d_grad; resize_grad also over NHWC or nChw16c tensors,
// channels innermost), a per-plane scatter for max_pool2d_grad, and a row copy-or-zero pass for
// slice_grad, all parallel with OpenMP. The node checks are the forwards'
// (host_data_movement.cpp's pad and slice, grad_geometry.h for pooling and resize), dy taking
// the output's place.
#include "backends/host_grad_movement.h"
#include "backends/host_data_movement.h"
#include "backends/simd_clones.h"

#include "backends/gather_geometry.h"
#include "backends/grad_geometry.h"
#include "backends/host_loops.h"
#include "backends/separable_taps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace llie::host {
namespace {

using kernels::AxisTable;
using kernels::Dims;

/// dx[p] = Rhᵀ·dy[p]·Rw for every plane: each dx element gathers the dy entries that read it
/// (the per-axis tables by input index, separable_taps.h), summed in double.
std::unique_ptr<Kernel> separableAdjoint(int64_t planes, int64_t H, int64_t W, int64_t OH,
                                         int64_t OW, AxisTable rows, AxisTable cols) {
  if (planes * H * W == 0) return kernels::noopKernel();
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* DY = in[1]->f32();
    float* DX = out[0]->f32();
#pragma omp parallel for collapse(2) schedule(static) if (planes * H * W > 4096)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t ih = 0; ih < H; ++ih) {
        const float* dy = DY + p * OH * OW;
        float* dx = DX + (p * H + ih) * W;
        for (int64_t iw = 0; iw < W; ++iw) {
          double acc = 0;
          for (int64_t r = rows.begin[ih]; r < rows.begin[ih + 1]; ++r) {
            const float* row = dy + rows.idx[r] * OW;
            double s = 0;
            for (int64_t c = cols.begin[iw]; c < cols.begin[iw + 1]; ++c)
              s += cols.w[c] * row[cols.idx[c]];
            acc += rows.w[r] * s;
          }
          dx[iw] = static_cast<float>(acc);
        }
      }
  });
}

/// One dx pixel of the channels-last gather: over its C channels, in double,
/// acc = Σ_r rw[r]·(Σ_c cw[c]·dy[rdst[r], cdst[c]]), in the plain loop's order (so the sums are
/// the same to the bit). One call per pixel, vectorised over channels for AVX-512, AVX2 and the
/// baseline (no FMA contraction: the same sums everywhere); `s` and `acc` are C scratch doubles.
LLIE_SIMD_CLONES void gatherPixel(float* __restrict dx, const float* __restrict dy, int64_t OW,
                                  int64_t C, const AxisTable& rows, int64_t ih,
                                  const AxisTable& cols, int64_t iw, double* __restrict s,
                                  double* __restrict acc) {
#pragma omp simd
  for (int64_t ch = 0; ch < C; ++ch)
    acc[ch] = 0.0;
  for (int64_t r = rows.begin[ih]; r < rows.begin[ih + 1]; ++r) {
#pragma omp simd
    for (int64_t ch = 0; ch < C; ++ch)
      s[ch] = 0.0;
    for (int64_t c = cols.begin[iw]; c < cols.begin[iw + 1]; ++c) {
      const float* __restrict px = dy + (rows.idx[r] * OW + cols.idx[c]) * C;
      const double w = cols.w[c];
#pragma omp simd
      for (int64_t ch = 0; ch < C; ++ch)
        s[ch] += w * px[ch];
    }
    const double w = rows.w[r];
#pragma omp simd
    for (int64_t ch = 0; ch < C; ++ch)
      acc[ch] += w * s[ch];
  }
#pragma omp simd
  for (int64_t ch = 0; ch < C; ++ch)
    dx[ch] = static_cast<float>(acc[ch]);
}

/// The same gather over channels-last (NHWC) dy and dx of N images with C channels: each dx pixel
/// gathers the dy pixels that read it. (nChw16c is the same with N·C/16 images of 16 channels.)
std::unique_ptr<Kernel> separableAdjointNhwc(int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH,
                                             int64_t OW, AxisTable rows, AxisTable cols) {
  if (N * C * H * W == 0) return kernels::noopKernel();
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* DY = in[1]->f32();
    float* DX = out[0]->f32();
#pragma omp parallel if (N * C * H * W > 4096)
    {
      std::vector<double> acc(C), s(C);
#pragma omp for collapse(2) schedule(static)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t ih = 0; ih < H; ++ih) {
          const float* dy = DY + n * OH * OW * C;
          for (int64_t iw = 0; iw < W; ++iw)
            gatherPixel(DX + ((n * H + ih) * W + iw) * C, dy, OW, C, rows, ih, cols, iw, s.data(),
                        acc.data());
        }
    }
  });
}

} // namespace

Expected<std::unique_ptr<Kernel>> makePadGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGradGeometry(g, n));
  return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW,
                          kernels::byInput(p.H, kernels::padTaps(p.OH, a.pads[0], p.H, a.mode)),
                          kernels::byInput(p.W, kernels::padTaps(p.OW, a.pads[2], p.W, a.mode)));
}

Expected<std::unique_ptr<Kernel>> makeSliceGrad(const Graph& g, const Node& n) {
  LLIE_ASSIGN_OR_RETURN(kernels::SliceGradGeom geo, kernels::sliceGradGeometry(g, n));
  const int64_t outer = geo.outer, X = geo.X, Y = geo.Y, inner = geo.inner;
  const int64_t start = geo.start, step = geo.step;
  // src[j]: the dy index along the axis that lands on x index j, -1 for none (a zero).
  std::vector<int64_t> src(X, -1);
  for (int64_t i = 0; i < Y; ++i)
    src[start + i * step] = i;
  if (outer * X * inner == 0) return kernels::noopKernel();

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* DY = in[1]->f32();
    float* DX = out[0]->f32();
#pragma omp parallel for collapse(2) schedule(static) if (outer * X * inner > 32768)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < X; ++j) {
        float* dx = DX + (o * X + j) * inner;
        if (src[j] < 0)
          std::fill(dx, dx + inner, 0.f);
        else
          std::memcpy(dx, DY + (o * Y + src[j]) * inner, sizeof(float) * inner);
      }
  });
}

Expected<std::unique_ptr<Kernel>> makeMaxPoolGrad(const Graph& g, const Node& n) {
  Expected<kernels::PoolGeom> geom = kernels::poolGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::PoolGeom& p = *geom;
  int64_t planes = p.planes, H = p.H, W = p.W, OH = p.OH, OW = p.OW;
  kernels::PoolAxis rows = kernels::poolAxis(OH, H, p.kh, p.sh, p.pt, p.pb);
  kernels::PoolAxis cols = kernels::poolAxis(OW, W, p.kw, p.sw, p.pl, p.pr);
  if (planes * H * W == 0) return kernels::noopKernel();

  // Per plane: zeros, then every dy to the first maximal element of its window (PyTorch's rule:
  // greater than the best so far, or NaN), as reference/pool_grad.cpp.
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* Xs = in[0]->f32();
    const float* DY = in[1]->f32();
    float* DXs = out[0]->f32();
#pragma omp parallel for schedule(static) if (planes > 1 && planes * H * W > 4096)
    for (int64_t c = 0; c < planes; ++c) {
      const float* x = Xs + c * H * W;
      const float* dy = DY + c * OH * OW;
      float* dx = DXs + c * H * W;
      std::fill(dx, dx + H * W, 0.f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        int64_t hs = rows.s[oh], he = rows.e[oh];
        if (he <= hs) continue;
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t ws = cols.s[ow], we = cols.e[ow];
          if (we <= ws) continue;
          int64_t best = hs * W + ws;
          float bestV = -std::numeric_limits<float>::infinity();
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) {
              float v = x[ih * W + iw];
              if (v > bestV || std::isnan(v)) bestV = v, best = ih * W + iw;
            }
          dx[best] += dy[oh * OW + ow];
        }
      }
    }
  });
}

Expected<std::unique_ptr<Kernel>> makeAvgPoolGrad(const Graph& g, const Node& n) {
  Expected<kernels::PoolGeom> geom = kernels::poolGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::PoolGeom& p = *geom;
  bool incl = attrsOf<Pool2dAttrs>(n).countIncludePad;
  kernels::PlaneTaps t = kernels::avgPoolTaps(p, incl);
  return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW, kernels::byInput(p.H, t.rows),
                          kernels::byInput(p.W, t.cols));
}

namespace {

/// inner = 0: plain planes; else groups of `inner` channels innermost (host_grad_movement.h).
Expected<std::unique_ptr<Kernel>> resizeGrad(const Graph& g, const Node& n, int64_t inner) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Expected<kernels::PlaneGeom> geom = kernels::resizeGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::PlaneGeom& p = *geom;
  bool nearest = a.mode == ResizeMode::Nearest;
  AxisTable rows = kernels::byInput(p.H, kernels::resizeTaps(p.OH, p.H, nearest, a.alignCorners));
  AxisTable cols = kernels::byInput(p.W, kernels::resizeTaps(p.OW, p.W, nearest, a.alignCorners));
  if (inner == 0)
    return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW, std::move(rows), std::move(cols));
  Dims x = kernels::inShape(g, n, 0);
  if (x.size() != 4 || x[1] % inner != 0)
    return kernels::badNode(n, "channel groups need rank 4 and whole groups");
  return separableAdjointNhwc(x[0] * x[1] / inner, inner, p.H, p.W, p.OH, p.OW, std::move(rows),
                              std::move(cols));
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n) {
  return resizeGrad(g, n, 0);
}

Expected<std::unique_ptr<Kernel>> makeResizeGradChannelsInner(const Graph& g, const Node& n,
                                                              int64_t inner) {
  return resizeGrad(g, n, inner);
}

} // namespace llie::host
