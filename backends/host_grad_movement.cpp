// The host gradient kernels declared in host_grad_movement.h: one separable-adjoint gather
// (pad_grad, resize_grad, avg_pool2d_grad; resize_grad also over NHWC tensors, channels
// innermost), a per-plane scatter for max_pool2d_grad, and a row copy-or-zero pass for
// slice_grad, all parallel with OpenMP. The node checks are the forwards'
// (host_data_movement.cpp's pad and slice, grad_geometry.h for pooling and resize), dy taking
// the output's place.
#include "backends/host_grad_movement.h"
#include "backends/host_data_movement.h"
#include "backends/simd_clones.h"

#include "backends/grad_geometry.h"
#include "backends/host_loops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace llie::host {
namespace {

using kernels::Dims;

/// One axis of a separable linear map read backwards (CSR): for input index i, the entries
/// [begin[i], begin[i+1]) list the output indices `dst` that read it and the weights `w`.
struct AxisAdjoint {
  std::vector<int64_t> begin, dst;
  std::vector<double> w;
};

struct Tap {
  int64_t out, in;
  double w;
};

/// Buckets the forward taps (output `out` reads input `in` with weight `w`) by input index.
AxisAdjoint invert(int64_t in, const std::vector<Tap>& taps) {
  AxisAdjoint a;
  a.begin.assign(in + 1, 0);
  for (const Tap& t : taps)
    ++a.begin[t.in + 1];
  for (int64_t i = 0; i < in; ++i)
    a.begin[i + 1] += a.begin[i];
  a.dst.resize(taps.size());
  a.w.resize(taps.size());
  std::vector<int64_t> fill(a.begin.begin(), a.begin.end() - 1);
  for (const Tap& t : taps) {
    int64_t k = fill[t.in]++;
    a.dst[k] = t.out;
    a.w[k] = t.w;
  }
  return a;
}

/// dx[p] = Rhᵀ·dy[p]·Rw for every plane: each dx element gathers the dy entries that read it,
/// summed in double.
std::unique_ptr<Kernel> separableAdjoint(int64_t planes, int64_t H, int64_t W, int64_t OH,
                                         int64_t OW, AxisAdjoint rows, AxisAdjoint cols) {
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
            const float* row = dy + rows.dst[r] * OW;
            double s = 0;
            for (int64_t c = cols.begin[iw]; c < cols.begin[iw + 1]; ++c)
              s += cols.w[c] * row[cols.dst[c]];
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
                                  int64_t C, const AxisAdjoint& rows, int64_t ih,
                                  const AxisAdjoint& cols, int64_t iw, double* __restrict s,
                                  double* __restrict acc) {
#pragma omp simd
  for (int64_t ch = 0; ch < C; ++ch)
    acc[ch] = 0.0;
  for (int64_t r = rows.begin[ih]; r < rows.begin[ih + 1]; ++r) {
#pragma omp simd
    for (int64_t ch = 0; ch < C; ++ch)
      s[ch] = 0.0;
    for (int64_t c = cols.begin[iw]; c < cols.begin[iw + 1]; ++c) {
      const float* __restrict px = dy + (rows.dst[r] * OW + cols.dst[c]) * C;
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
/// gathers the dy pixels that read it.
std::unique_ptr<Kernel> separableAdjointNhwc(int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH,
                                             int64_t OW, AxisAdjoint rows, AxisAdjoint cols) {
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

AxisAdjoint padAdjoint(int64_t out, int64_t before, int64_t size, PadMode mode) {
  std::vector<int64_t> t = padTable(out, before, size, mode);
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o)
    if (t[o] >= 0) taps.push_back({o, t[o], 1.0});
  return invert(size, taps);
}

/// The in-image part [s, e) of every pooling window along one axis, and the window clipped to
/// the padded input (the count_include_pad divisor's factor), as reference/pool.cpp.
struct PoolAxis {
  std::vector<int64_t> s, e, span;
};
PoolAxis poolAxis(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t padL, int64_t padR) {
  PoolAxis a;
  for (int64_t o = 0; o < out; ++o) {
    int64_t lo = o * stride - padL, hi = std::min(lo + k, in + padR);
    a.s.push_back(std::max<int64_t>(lo, 0));
    a.e.push_back(std::min(hi, in));
    a.span.push_back(hi - lo);
  }
  return a;
}

/// Avg pooling along one axis as taps: output o reads its in-image window with weight 1/div,
/// div = the clipped window (include pad) or its in-image part; the forward's divisor is the
/// product of the two axes' factors.
AxisAdjoint avgAdjoint(const PoolAxis& a, int64_t in, bool includePad) {
  std::vector<Tap> taps;
  for (size_t o = 0; o < a.s.size(); ++o) {
    int64_t div = includePad ? a.span[o] : a.e[o] - a.s[o];
    for (int64_t i = a.s[o]; i < a.e[o]; ++i)
      taps.push_back({static_cast<int64_t>(o), i, 1.0 / static_cast<double>(div)});
  }
  return invert(in, taps);
}

AxisAdjoint resizeAdjoint(int64_t out, int64_t in, bool nearest, bool alignCorners) {
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o) {
    if (nearest) {
      taps.push_back({o, kernels::nearestSrc(o, in, out), 1.0});
    } else {
      kernels::LinearTap t = kernels::linearTap(o, in, out, alignCorners);
      taps.push_back({o, t.i0, 1 - t.w1});
      taps.push_back({o, t.i1, t.w1});
    }
  }
  return invert(in, taps);
}

} // namespace

Expected<std::unique_ptr<Kernel>> makePadGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGradGeometry(g, n));
  return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW, padAdjoint(p.OH, a.pads[0], p.H, a.mode),
                          padAdjoint(p.OW, a.pads[2], p.W, a.mode));
}

Expected<std::unique_ptr<Kernel>> makeSliceGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<SliceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::inShape(g, n, 1);
  int64_t axis = kernels::normAxis(a.axis, static_cast<int64_t>(x.size()));
  if (axis < 0 || y.size() != x.size() || a.step < 1) return kernels::badNode(n, "axis/step");
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from x");
  for (size_t d = 0; d < x.size(); ++d)
    if (static_cast<int64_t>(d) != axis && x[d] != y[d])
      return kernels::badNode(n, "dy differs from x off the slice axis");
  int64_t start = a.start.off;
  if (start < 0) start += x[axis];
  start = std::clamp<int64_t>(start, 0, x[axis]);
  if (y[axis] > 0 && start + (y[axis] - 1) * a.step >= x[axis])
    return kernels::badNode(n, "slice runs past the input");
  int64_t outer = 1, inner = 1, X = x[axis], Y = y[axis], step = a.step;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x[i];
  for (size_t i = axis + 1; i < x.size(); ++i)
    inner *= x[i];
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
  PoolAxis rows = poolAxis(OH, H, p.kh, p.sh, p.pt, p.pb);
  PoolAxis cols = poolAxis(OW, W, p.kw, p.sw, p.pl, p.pr);
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
  AxisAdjoint rows = avgAdjoint(poolAxis(p.OH, p.H, p.kh, p.sh, p.pt, p.pb), p.H, incl);
  AxisAdjoint cols = avgAdjoint(poolAxis(p.OW, p.W, p.kw, p.sw, p.pl, p.pr), p.W, incl);
  return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW, std::move(rows), std::move(cols));
}

namespace {

Expected<std::unique_ptr<Kernel>> resizeGrad(const Graph& g, const Node& n, bool channelsLast) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Expected<kernels::PlaneGeom> geom = kernels::resizeGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::PlaneGeom& p = *geom;
  bool nearest = a.mode == ResizeMode::Nearest;
  AxisAdjoint rows = resizeAdjoint(p.OH, p.H, nearest, a.alignCorners);
  AxisAdjoint cols = resizeAdjoint(p.OW, p.W, nearest, a.alignCorners);
  if (!channelsLast)
    return separableAdjoint(p.planes, p.H, p.W, p.OH, p.OW, std::move(rows), std::move(cols));
  Dims x = kernels::inShape(g, n, 0);
  if (x.size() != 4) return kernels::badNode(n, "channels-last needs rank 4");
  return separableAdjointNhwc(x[0], x[1], p.H, p.W, p.OH, p.OW, std::move(rows), std::move(cols));
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n) {
  return resizeGrad(g, n, false);
}

Expected<std::unique_ptr<Kernel>> makeResizeGradChannelsLast(const Graph& g, const Node& n) {
  return resizeGrad(g, n, true);
}

} // namespace llie::host
