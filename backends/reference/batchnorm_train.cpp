// Reference training-mode batch normalisation (the oracle for the cpu backend's oneDNN
// training primitives), over NormAttrs.axis with x viewed as [outer, C, inner] and n = outer·inner
// elements per channel, all in double:
//  batchnorm_train(x, gamma, beta, running_mean, running_var) -> (y, mean, var, new_running_mean,
//    new_running_var): mean and the biased var over each channel (two passes),
//    y = (x − mean)/sqrt(var + eps)·gamma + beta, and PyTorch's running-statistics blend
//    new_rm = (1 − m)·rm + m·mean, new_rv = (1 − m)·rv + m·var·n/(n − 1);
//  batchnorm_grad(x, gamma, mean, var, dy) -> (dx, dgamma, dbeta): PyTorch's training backward
//    with those statistics: x̂ = (x − mean)·invstd, dbeta = Σ dy, dgamma = Σ dy·x̂,
//    dx = gamma·invstd·(dy − dbeta/n − x̂·dgamma/n).
// A relu/relu6 epilogue (NormAttrs.epilogue) applies to y; batchnorm_grad then takes beta as its
// sixth input and first masks dy where the activation of y (recomputed, rounded to float as the
// unfused graph's y was) passes no gradient.
#include "backends/grad_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeBatchNormTrain(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  Expected<kernels::NormGeom> geom = kernels::batchNormGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::NormGeom s = *geom;
  double eps = a.eps, m = a.momentum;
  const Epilogue act = a.epilogue;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float *gamma = in[1]->f32(), *beta = in[2]->f32();
    const float *rm = in[3]->f32(), *rv = in[4]->f32();
    float* Y = out[0]->f32();
    float *mean = out[1]->f32(), *var = out[2]->f32();
    float *nrm = out[3]->f32(), *nrv = out[4]->f32();
    auto at = [&](int64_t o, int64_t c, int64_t i) { return (o * s.C + c) * s.inner + i; };
    for (int64_t c = 0; c < s.C; ++c) {
      double sum = 0, sq = 0;
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i)
          sum += X[at(o, c, i)];
      double mu = s.count ? sum / s.count : 0.0;
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          double d = X[at(o, c, i)] - mu;
          sq += d * d;
        }
      double v = s.count ? sq / s.count : 0.0;
      double inv = 1.0 / std::sqrt(v + eps);
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t k = at(o, c, i);
          Y[k] =
              static_cast<float>(applyEpilogue(act, 0.0, (X[k] - mu) * inv * gamma[c] + beta[c]));
        }
      double unbiased = s.count > 1 ? v * s.count / (s.count - 1) : v;
      mean[c] = static_cast<float>(mu);
      var[c] = static_cast<float>(v);
      nrm[c] = static_cast<float>((1 - m) * rm[c] + m * mu);
      nrv[c] = static_cast<float>((1 - m) * rv[c] + m * unbiased);
    }
  });
}

Expected<std::unique_ptr<Kernel>> makeBatchNormGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  Expected<kernels::NormGeom> geom = kernels::batchNormGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::NormGeom s = *geom;
  double eps = a.eps;
  const Epilogue act = a.epilogue;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float *gamma = in[1]->f32(), *mean = in[2]->f32(), *var = in[3]->f32();
    const float* DYin = in[4]->f32();
    float* DX = out[0]->f32();
    float *dgamma = out[1]->f32(), *dbeta = out[2]->f32();
    auto at = [&](int64_t o, int64_t c, int64_t i) { return (o * s.C + c) * s.inner + i; };
    // With an epilogue: dy masked where act(y) passes no gradient (y as the forward made it).
    std::vector<float> masked;
    if (act != Epilogue::None) {
      const float* beta = in[5]->f32();
      masked.assign(DYin, DYin + in[4]->numel());
      for (int64_t c = 0; c < s.C; ++c) {
        double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
        for (int64_t o = 0; o < s.outer; ++o)
          for (int64_t i = 0; i < s.inner; ++i) {
            int64_t k = at(o, c, i);
            float y = static_cast<float>((X[k] - static_cast<double>(mean[c])) * inv * gamma[c] +
                                         beta[c]);
            bool pass = act == Epilogue::Relu ? y > 0 : (y > 0 && y < 6);
            if (!pass) masked[k] = 0.f;
          }
      }
    }
    const float* DY = act == Epilogue::None ? DYin : masked.data();
    for (int64_t c = 0; c < s.C; ++c) {
      double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps), mu = mean[c];
      double sdy = 0, sdyx = 0;
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t k = at(o, c, i);
          sdy += DY[k];
          sdyx += DY[k] * (X[k] - mu) * inv;
        }
      double cnt = static_cast<double>(s.count);
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t k = at(o, c, i);
          double xhat = (X[k] - mu) * inv;
          DX[k] = static_cast<float>(gamma[c] * inv * (DY[k] - sdy / cnt - xhat * sdyx / cnt));
        }
      dgamma[c] = static_cast<float>(sdyx);
      dbeta[c] = static_cast<float>(sdy);
    }
  });
}

} // namespace

void registerBatchNormTrain(Registry& r) {
  r.add(OpKind::BatchNormTrain, makeBatchNormTrain, kernels::checkBatchNormTrain);
  r.add(OpKind::BatchNormGrad, makeBatchNormGrad);
}

} // namespace llie::ref
