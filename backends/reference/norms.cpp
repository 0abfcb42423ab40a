// Reference per-group normalisations, naive loops in double (the oracle of the cpu kernels):
//   instancenorm(x, gamma, beta): per (n, c) over the axes after 1, biased variance, affine; with
//     `channels` > 0 only the first `channels` channels are normalised, the rest are copied;
//   layernorm(x, gamma, beta): over the last axis, biased variance, affine per last-axis element;
//   l2_normalize(x): along `axis`, x / max(‖x‖₂, eps) (PyTorch's F.normalize).
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

// Mean and biased variance of `count` values `stride` apart, two passes in double.
void moments(const float* x, int64_t count, int64_t stride, double& mean, double& var) {
  double s = 0;
  for (int64_t i = 0; i < count; ++i)
    s += x[i * stride];
  mean = s / static_cast<double>(count);
  double q = 0;
  for (int64_t i = 0; i < count; ++i)
    q += (x[i * stride] - mean) * (x[i * stride] - mean);
  var = q / static_cast<double>(count);
}

Expected<std::unique_ptr<Kernel>> makeInstanceNorm(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::InstanceNormGeom geo, kernels::instanceNormGeometry(g, n));
  const int64_t N = geo.N, C = geo.C, S = geo.S, c0 = geo.c0;
  const double eps = a.eps;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *B = in[2]->f32();
    float* Y = out[0]->f32();
    for (int64_t i = 0; i < N; ++i)
      for (int64_t c = 0; c < C; ++c) {
        const float* xr = X + (i * C + c) * S;
        float* yr = Y + (i * C + c) * S;
        if (c >= c0) {
          for (int64_t s = 0; s < S; ++s)
            yr[s] = xr[s];
          continue;
        }
        double mean, var;
        moments(xr, S, 1, mean, var);
        double r = 1.0 / std::sqrt(var + eps);
        for (int64_t s = 0; s < S; ++s)
          yr[s] = static_cast<float>((xr[s] - mean) * r * G[c] + B[c]);
      }
  });
}

std::string checkLayerNorm(const Graph& g, const Node& n) {
  int64_t rank = static_cast<int64_t>(g.type(n.inputs[0]).shape.size());
  return kernels::normAxis(attrsOf<NormAttrs>(n).axis, rank) == rank - 1
             ? ""
             : "layernorm over an axis other than the last";
}

Expected<std::unique_ptr<Kernel>> makeLayerNorm(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0);
  if (x.empty() || kernels::outShape(g, n) != x)
    return kernels::badNode(n, "rank-0 input or output shape differs");
  const int64_t K = x.back(), rows = K > 0 ? numel(x) / K : 0;
  if (numel(kernels::inShape(g, n, 1)) != K || numel(kernels::inShape(g, n, 2)) != K)
    return kernels::badNode(n, "gamma and beta need one value per last-axis element");
  const double eps = attrsOf<NormAttrs>(n).eps;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *B = in[2]->f32();
    float* Y = out[0]->f32();
    for (int64_t r = 0; r < rows; ++r) {
      double mean, var;
      moments(X + r * K, K, 1, mean, var);
      double rs = 1.0 / std::sqrt(var + eps);
      for (int64_t k = 0; k < K; ++k)
        Y[r * K + k] = static_cast<float>((X[r * K + k] - mean) * rs * G[k] + B[k]);
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
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * K * inner + i;
        double q = 0;
        for (int64_t k = 0; k < K; ++k)
          q += double(X[base + k * inner]) * X[base + k * inner];
        double d = std::max(std::sqrt(q), eps);
        for (int64_t k = 0; k < K; ++k)
          Y[base + k * inner] = static_cast<float>(X[base + k * inner] / d);
      }
  });
}

} // namespace

void registerNorms(Registry& r) {
  r.add(OpKind::InstanceNorm, makeInstanceNorm);
  r.add(OpKind::LayerNorm, makeLayerNorm, checkLayerNorm);
  r.add(OpKind::L2Normalize, makeL2Normalize);
}

} // namespace llie::ref
