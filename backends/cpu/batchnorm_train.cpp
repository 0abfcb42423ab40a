// cpu training-mode batch normalisation. Plain NCHW tensors run on oneDNN's
// batch_normalization primitives with use_scale | use_shift (oneDNN 2.6 takes scale and shift as
// separate memories); x is viewed as the plain NCHW tensor [outer, C, inner, 1] along
// NormAttrs.axis, as in batchnorm.cpp.
//  batchnorm_train -> (y, mean, var, new_running_mean, new_running_var): forward_training, which
//    computes the batch mean and biased variance into the mean/var outputs; then the running
//    statistics are blended in a short loop, PyTorch's way: (1 − m)·r + m·stat, with the
//    unbiased variance var·n/(n − 1), n the elements per channel;
//  batchnorm_grad(x, gamma, mean, var, dy) -> (dx, dgamma, dbeta): prop_kind::backward (hinted by
//    a forward_training descriptor), giving diff_src, diff_scale and diff_shift. oneDNN 2.6
//    requires a shift argument with use_shift even backwards, where it is never read: zeros.
// Descriptors and primitives are built once at prepare time; memories are re-pointed each run.
// Channels-last tensors (layout.h: x, y, dy and dx of a node share their layout) run on OpenMP
// loops over the [N·H·W, C] matrix instead: oneDNN 2.6's NHWC kernel sums the batch mean in
// float, off by ~1.5e-6 on a 4x64x128x128 batch (10x its NCHW kernel's error), a shift of a whole
// channel that carries ReLU/ReLU6 inputs across their kink (the flagship's training parity case
// has one 2e-7 from it, which that kernel flips). The loops sum in float vectors over blocks of
// 32 pixels flushed into double (per-thread partial sums added in thread order: deterministic
// for a thread count; the variance from sums shifted by each channel's first value), and
// evaluate y (from the statistics as stored in f32, so that the inference batchnorm over
// channels-last x, normalizeChannelsLast, recomputes it bit for bit) and dx in float from
// per-channel coefficients computed in double:
//   y  = (x − mean)·γ/√(var + ε) + β,
//   dx = γ/√(var + ε) · (dy − Σdy/n − (x − mean)/(var + ε) · Σdy·(x − mean)/n),
//   dγ = Σdy·(x − mean)/√(var + ε), dβ = Σdy.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/grad_geometry.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace llie::cpu {
namespace {

using dnnl::memory;

const dnnl::normalization_flags kFlags =
    dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

/// PyTorch's running statistics: (1 − m)·r + m·stat, the variance unbiased by n/(n − 1).
void blendRunningStats(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out,
                       int64_t C, double m, double unbias) {
  const float *rm = in[3]->f32(), *rv = in[4]->f32();
  const float *mu = out[1]->f32(), *v = out[2]->f32();
  float *nrm = out[3]->f32(), *nrv = out[4]->f32();
  for (int64_t c = 0; c < C; ++c) {
    nrm[c] = static_cast<float>((1 - m) * rm[c] + m * mu[c]);
    nrv[c] = static_cast<float>((1 - m) * rv[c] + m * v[c] * unbias);
  }
}

class BatchNormTrainKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::batch_normalization_forward bn;
  memory src, dst, scale, shift, mean, var;
  int64_t C = 0;
  double momentum = 0.1, unbias = 1.0;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(scale, in[1]->data);
    bind(shift, in[2]->data);
    bind(dst, out[0]->data);
    bind(mean, out[1]->data);
    bind(var, out[2]->data);
    bn.execute(ctx->strm, {{DNNL_ARG_SRC, src},
                           {DNNL_ARG_DST, dst},
                           {DNNL_ARG_SCALE, scale},
                           {DNNL_ARG_SHIFT, shift},
                           {DNNL_ARG_MEAN, mean},
                           {DNNL_ARG_VARIANCE, var}});
    ctx->strm.wait();
    blendRunningStats(in, out, C, momentum, unbias);
  }
};

class BatchNormGradKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::batch_normalization_backward bn;
  memory src, scale, shift, mean, var, diffDst, diffSrc, diffScale, diffShift;
  std::vector<float> zeros; ///< the shift oneDNN insists on with use_shift (it does not read it)

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(scale, in[1]->data);
    bind(mean, in[2]->data);
    bind(var, in[3]->data);
    bind(diffDst, in[4]->data);
    bind(diffSrc, out[0]->data);
    bind(diffScale, out[1]->data);
    bind(diffShift, out[2]->data);
    bn.execute(ctx->strm, {{DNNL_ARG_SRC, src},
                           {DNNL_ARG_SCALE, scale},
                           {DNNL_ARG_SHIFT, shift},
                           {DNNL_ARG_MEAN, mean},
                           {DNNL_ARG_VARIANCE, var},
                           {DNNL_ARG_DIFF_DST, diffDst},
                           {DNNL_ARG_DIFF_SRC, diffSrc},
                           {DNNL_ARG_DIFF_SCALE, diffScale},
                           {DNNL_ARG_DIFF_SHIFT, diffShift}});
    ctx->strm.wait();
  }
};

/// Per-channel sums over the rows of an [M, C] matrix: acc(row, sums) adds one row's terms
/// into `terms` arrays of C float sums, which are flushed into double every kBlock rows (so the
/// inner loops run on float vectors and the totals keep double accuracy). Threads take
/// contiguous blocks of rows; their partial sums are added in thread order.
template <class Acc>
std::vector<double> channelSums(int64_t M, int64_t C, int terms, const Acc& acc) {
  constexpr int64_t kBlock = 32;
  const int threads = M * C > 32768 ? omp_get_max_threads() : 1;
  std::vector<std::vector<double>> part(threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::vector<double> s(terms * C, 0.0);
    std::vector<float> f(terms * C);
    const int64_t end = M * (t + 1) / nt;
    for (int64_t r0 = M * t / nt; r0 < end; r0 += kBlock) {
      std::fill(f.begin(), f.end(), 0.f);
      for (int64_t r = r0; r < std::min(end, r0 + kBlock); ++r)
        acc(r, f.data());
      for (size_t i = 0; i < f.size(); ++i)
        s[i] += f[i];
    }
    part[t] = std::move(s);
  }
  std::vector<double> total(terms * C, 0.0);
  for (const auto& p : part)
    for (size_t i = 0; i < p.size(); ++i)
      total[i] += p[i];
  return total;
}

} // namespace

void normalizeChannelsLast(const float* X, float* Y, int64_t M, int64_t C, const float* mean,
                           const float* var, const float* gamma, const float* beta, double eps) {
  std::vector<float> scale(C);
  for (int64_t c = 0; c < C; ++c)
    scale[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps));
  const float* sc = scale.data();
#pragma omp parallel for schedule(static) if (M * C > 32768)
  for (int64_t r = 0; r < M; ++r) {
    const float* x = X + r * C;
    float* y = Y + r * C;
    for (int64_t c = 0; c < C; ++c)
      y[c] = (x[c] - mean[c]) * sc[c] + beta[c];
  }
}

namespace {

/// batchnorm_train over channels-last x: [M = N·H·W, C].
class BatchNormTrainNhwc : public Kernel {
public:
  int64_t M = 0, C = 0;
  double eps = 1e-5, momentum = 0.1, unbias = 1.0;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *B = in[2]->f32();
    float* Y = out[0]->f32();
    if (M == 0 || C == 0) return;
    const double n = static_cast<double>(M);
    // One pass of shifted sums: d = x − x₀ (x₀ the channel's first value) keeps Σd² − (Σd)²/n
    // free of the cancellation that Σx² − (Σx)²/n suffers when the mean is large.
    const float* X0 = X;
    std::vector<double> s = channelSums(M, C, 2, [&](int64_t r, float* acc) {
      const float* x = X + r * C;
      for (int64_t c = 0; c < C; ++c) {
        const float d = x[c] - X0[c];
        acc[c] += d;
        acc[C + c] += d * d;
      }
    });
    for (int64_t c = 0; c < C; ++c) {
      const double m = s[c] / n;
      out[1]->f32()[c] = static_cast<float>(X0[c] + m);
      out[2]->f32()[c] = static_cast<float>(std::max(s[C + c] / n - m * m, 0.0));
    }
    // Normalised with the statistics as stored (what batchnorm_grad and a recomputation read).
    normalizeChannelsLast(X, Y, M, C, out[1]->f32(), out[2]->f32(), G, B, eps);
    blendRunningStats(in, out, C, momentum, unbias);
  }
};

/// batchnorm_grad over channels-last x, dy and dx.
class BatchNormGradNhwc : public Kernel {
public:
  int64_t M = 0, C = 0;
  double eps = 1e-5;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *MU = in[2]->f32(), *V = in[3]->f32();
    const float* DY = in[4]->f32();
    float *DX = out[0]->f32(), *DG = out[1]->f32(), *DB = out[2]->f32();
    const double n = static_cast<double>(M);
    // Σdy and Σdy·(x − mean) per channel.
    std::vector<double> s = channelSums(M, C, 2, [&](int64_t r, float* acc) {
      const float *x = X + r * C, *dy = DY + r * C;
      for (int64_t c = 0; c < C; ++c) {
        acc[c] += dy[c];
        acc[C + c] += dy[c] * (x[c] - MU[c]);
      }
    });
    // dx = a·(dy − b − (x − mean)·k) per channel, the coefficients from double.
    std::vector<float> a(C), b(C), k(C);
    for (int64_t c = 0; c < C; ++c) {
      const double rstd = 1.0 / std::sqrt(V[c] + eps);
      DB[c] = static_cast<float>(s[c]);
      DG[c] = static_cast<float>(s[C + c] * rstd);
      a[c] = static_cast<float>(G[c] * rstd);
      b[c] = static_cast<float>(s[c] / n);
      k[c] = static_cast<float>(rstd * rstd * s[C + c] / n);
    }
    const float *pa = a.data(), *pb = b.data(), *pk = k.data();
#pragma omp parallel for schedule(static) if (M * C > 32768)
    for (int64_t r = 0; r < M; ++r) {
      const float *x = X + r * C, *dy = DY + r * C;
      float* dx = DX + r * C;
      for (int64_t c = 0; c < C; ++c)
        dx[c] = pa[c] * (dy[c] - pb[c] - (x[c] - MU[c]) * pk[c]);
    }
  }
};

/// The forward_training descriptor both kernels start from.
dnnl::batch_normalization_forward::primitive_desc forwardTraining(const memory::desc& data,
                                                                  double eps, const CpuContext& c) {
  dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_training, data,
                                            static_cast<float>(eps), kFlags);
  return dnnl::batch_normalization_forward::primitive_desc(d, c.eng);
}

Expected<std::unique_ptr<Kernel>> makeBatchNormTrain(const Graph& g, const Node& n,
                                                     const CtxPtr& ctx) {
  const auto& a = attrsOf<NormAttrs>(n);
  Expected<kernels::NormGeom> geom = kernels::batchNormGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::NormGeom& s = *geom;
  const double unbias =
      s.count > 1 ? static_cast<double>(s.count) / static_cast<double>(s.count - 1) : 1.0;
  if (channelsLastValues(g)[n.inputs[0]]) {
    auto k = std::make_unique<BatchNormTrainNhwc>();
    k->M = s.count;
    k->C = s.C;
    k->eps = a.eps;
    k->momentum = a.momentum;
    k->unbias = unbias;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto k = std::make_unique<BatchNormTrainKernel>();
  k->ctx = ctx;
  k->C = s.C;
  k->momentum = a.momentum;
  k->unbias = unbias;
  return finishKernel(n, k, [&] {
    memory::desc data = plainDesc({s.outer, s.C, s.inner, 1}), stat = plainDesc({s.C});
    auto pd = forwardTraining(data, a.eps, *ctx);
    k->bn = dnnl::batch_normalization_forward(pd);
    k->src = userMemory(data, *ctx);
    k->dst = userMemory(data, *ctx);
    for (memory* m : {&k->scale, &k->shift, &k->mean, &k->var})
      *m = userMemory(stat, *ctx);
  });
}

Expected<std::unique_ptr<Kernel>> makeBatchNormGrad(const Graph& g, const Node& n,
                                                    const CtxPtr& ctx) {
  const auto& a = attrsOf<NormAttrs>(n);
  Expected<kernels::NormGeom> geom = kernels::batchNormGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::NormGeom& s = *geom;
  if (channelsLastValues(g)[n.inputs[0]]) {
    auto k = std::make_unique<BatchNormGradNhwc>();
    k->M = s.count;
    k->C = s.C;
    k->eps = a.eps;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto k = std::make_unique<BatchNormGradKernel>();
  k->ctx = ctx;
  return finishKernel(n, k, [&] {
    memory::desc data = plainDesc({s.outer, s.C, s.inner, 1}), stat = plainDesc({s.C});
    auto hint = forwardTraining(data, a.eps, *ctx);
    dnnl::batch_normalization_backward::desc d(dnnl::prop_kind::backward, data, data,
                                               static_cast<float>(a.eps), kFlags);
    dnnl::batch_normalization_backward::primitive_desc pd(d, ctx->eng, hint);
    k->bn = dnnl::batch_normalization_backward(pd);
    for (memory* m : {&k->src, &k->diffDst, &k->diffSrc})
      *m = userMemory(data, *ctx);
    for (memory* m : {&k->scale, &k->shift, &k->mean, &k->var, &k->diffScale, &k->diffShift})
      *m = userMemory(stat, *ctx);
    k->zeros.assign(s.C, 0.f);
    bind(k->shift, k->zeros.data());
  });
}

} // namespace

void registerBatchNormTrain(Registry& r) {
  r.add(OpKind::BatchNormTrain, makeBatchNormTrain, kernels::checkBatchNormTrain);
  r.add(OpKind::BatchNormGrad, makeBatchNormGrad);
}

} // namespace llie::cpu
