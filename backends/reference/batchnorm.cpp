// Reference batch normalisation, inference form on running statistics:
// y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c], with c the index along
// NormAttrs.axis (1 for NCHW), then the relu/relu6 epilogue if any. Inputs: x, gamma, beta,
// running_mean, running_var.
#include "backends/grad_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeBatchNorm(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom geo, kernels::batchNormGeometry(g, n));
  const int64_t outer = geo.outer, C = geo.C, inner = geo.inner;
  double eps = a.eps;
  const Epilogue act = a.epilogue;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float *gamma = in[1]->f32(), *beta = in[2]->f32();
    const float *mean = in[3]->f32(), *var = in[4]->f32();
    float* Y = out[0]->f32();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < C; ++c) {
        double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
        for (int64_t i = 0; i < inner; ++i) {
          int64_t k = (o * C + c) * inner + i;
          Y[k] = static_cast<float>(applyEpilogue(
              act, 0.0, (X[k] - static_cast<double>(mean[c])) * inv * gamma[c] + beta[c]));
        }
      }
  });
}

} // namespace

void registerBatchNorm(Registry& r) {
  r.add(OpKind::BatchNorm, makeBatchNorm);
}

} // namespace llie::ref
