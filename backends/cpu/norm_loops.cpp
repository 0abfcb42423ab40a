// cpu per-group normalisations that oneDNN has no primitive for, as OpenMP host loops:
//   instancenorm(x, gamma, beta): one group per (n, c) over the axes after 1 (contiguous rows of
//     S values), two passes with double sums, biased variance; with `channels` > 0 only the first
//     `channels` channels are normalised and the others copied;
//   l2_normalize(x) along `axis`: x viewed as [outer, K, inner]; per outer slice the squared
//     norms of the inner columns are summed over K in double, then x / max(‖x‖, eps).
#include "backends/cpu/cpu_kernels.h"
#include "backends/op_geometry.h"

#include <omp.h>

#include <cmath>
#include <vector>

namespace llie::cpu {
namespace {

Expected<std::unique_ptr<Kernel>> makeInstanceNorm(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::InstanceNormGeom geo, kernels::instanceNormGeometry(g, n));
  const int64_t N = geo.N, C = geo.C, S = geo.S, c0 = geo.c0;
  const double eps = a.eps;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *B = in[2]->f32();
    float* Y = out[0]->f32();
#pragma omp parallel for schedule(static) if (N * C * S > 32768)
    for (int64_t row = 0; row < N * C; ++row) {
      const int64_t c = row % C;
      const float* xr = X + row * S;
      float* yr = Y + row * S;
      if (c >= c0) {
        if (yr != xr) std::copy(xr, xr + S, yr);
        continue;
      }
      double sum = 0;
      for (int64_t s = 0; s < S; ++s)
        sum += xr[s];
      const double mean = sum / static_cast<double>(S);
      double sq = 0;
      for (int64_t s = 0; s < S; ++s)
        sq += (xr[s] - mean) * (xr[s] - mean);
      const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(S) + eps);
      const float scale = static_cast<float>(rstd * G[c]);
      const float shift = static_cast<float>(B[c] - mean * rstd * G[c]);
      for (int64_t s = 0; s < S; ++s)
        yr[s] = xr[s] * scale + shift;
    }
  });
}

Expected<std::unique_ptr<Kernel>> makeL2Normalize(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::AxisGeom geo, kernels::axisGeometry(g, n, a.axis));
  const int64_t outer = geo.outer, K = geo.K, inner = geo.inner;
  const double eps = a.eps;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
#pragma omp parallel for schedule(static) if (outer * K * inner > 32768)
    for (int64_t o = 0; o < outer; ++o) {
      std::vector<double> q(inner, 0.0);
      const float* xs = X + o * K * inner;
      float* ys = Y + o * K * inner;
      for (int64_t k = 0; k < K; ++k)
        for (int64_t i = 0; i < inner; ++i)
          q[i] += double(xs[k * inner + i]) * xs[k * inner + i];
      std::vector<float> r(inner);
      for (int64_t i = 0; i < inner; ++i)
        r[i] = static_cast<float>(1.0 / std::max(std::sqrt(q[i]), eps));
      for (int64_t k = 0; k < K; ++k)
        for (int64_t i = 0; i < inner; ++i)
          ys[k * inner + i] = xs[k * inner + i] * r[i];
    }
  });
}

} // namespace

void registerNormLoops(Registry& r) {
  r.addHost<makeInstanceNorm>(OpKind::InstanceNorm);
  r.addHost<makeL2Normalize>(OpKind::L2Normalize);
}

} // namespace llie::cpu
