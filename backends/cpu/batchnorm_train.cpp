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
// Channels-last and nChw16c tensors (layout.h: x, y, dy and dx of a node share their layout)
// run on OpenMP loops over their panels instead (cpu_kernels.h: the [N·H·W, C] matrix, or the
// N·C/16 matrices [H·W, 16]): oneDNN 2.6's NHWC kernel sums the batch mean in
// float, off by ~1.5e-6 on a 4x64x128x128 batch (10x its NCHW kernel's error), a shift of a whole
// channel that carries ReLU/ReLU6 inputs across their kink (the flagship's training parity case
// has one 2e-7 from it, which that kernel flips). The loops sum in float vectors over blocks of
// 32 pixels flushed into double (per-thread partial sums added in thread order: deterministic
// for a thread count; the variance from sums shifted by each channel's first value), and
// evaluate y (from the statistics as stored in f32, so that the inference batchnorm over
// such x, normalizePanels, recomputes it bit for bit) and dx in float from
// per-channel coefficients computed in double:
//   y  = (x − mean)·γ/√(var + ε) + β,
//   dx = γ/√(var + ε) · (dy − Σdy/n − (x − mean)/(var + ε) · Σdy·(x − mean)/n),
//   dγ = Σdy·(x − mean)/√(var + ε), dβ = Σdy.
// The row loops are bn_rows.cpp's (vectorised, bit-identical to scalar code). A relu/relu6
// epilogue (NormAttrs.epilogue, from the fuse-batchnorm-activation pass) is applied to y in the
// normalising loop; batchnorm_grad then reads beta too and masks dy where the activation of the
// recomputed pre-activation passes no gradient. On the NCHW path the epilogue runs after
// oneDNN's forward, and the gradient recomputes y with oneDNN's inference kernel into dx, masks
// dy there and runs the backward in place.
#include "backends/cpu/bn_rows.h"
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
  Epilogue act = Epilogue::None;

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
    bnrows::activate(out[0]->f32(), out[0]->numel(), act);
    blendRunningStats(in, out, C, momentum, unbias);
  }
};

class BatchNormGradKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::batch_normalization_backward bn;
  memory src, scale, shift, mean, var, diffDst, diffSrc, diffScale, diffShift;
  std::vector<float> zeros; ///< the shift oneDNN insists on with use_shift (it does not read it)
  // With an epilogue: the forward's y recomputed into dx (oneDNN's inference batchnorm over the
  // batch statistics, as a recomputation would), dy masked there, and the backward run in place.
  Epilogue act = Epilogue::None;
  dnnl::batch_normalization_forward recompute;
  memory beta;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(scale, in[1]->data);
    bind(mean, in[2]->data);
    bind(var, in[3]->data);
    bind(diffDst, in[4]->data);
    if (act != Epilogue::None) {
      bind(beta, in[5]->data);
      bind(diffSrc, out[0]->data);
      recompute.execute(ctx->strm, {{DNNL_ARG_SRC, src},
                                    {DNNL_ARG_DST, diffSrc},
                                    {DNNL_ARG_SCALE, scale},
                                    {DNNL_ARG_SHIFT, beta},
                                    {DNNL_ARG_MEAN, mean},
                                    {DNNL_ARG_VARIANCE, var}});
      ctx->strm.wait();
      float* g = out[0]->f32();
      bnrows::maskByOutput(g, in[4]->f32(), g, out[0]->numel(), act);
      bind(diffDst, out[0]->data);
    }
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

/// Per-channel sums over the rows of the panels: acc(p, r0, r1, terms) adds the terms of rows
/// [r0, r1) of panel p into `terms` arrays of P.width float sums (the panel's channels), which
/// are flushed into double every kBlock rows (so the inner loops run on float vectors and the
/// totals keep double accuracy). Threads take contiguous runs of the panels' rows, in order;
/// their partial sums are added in thread order.
template <class Acc> std::vector<double> channelSums(const Panels& P, int terms, const Acc& acc) {
  constexpr int64_t kBlock = 32;
  const int64_t rows = P.count * P.rows;
  const int threads = P.elements() > 32768 ? omp_get_max_threads() : 1;
  std::vector<std::vector<double>> part(threads);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    std::vector<double> s(terms * P.C, 0.0);
    std::vector<float> f(terms * P.width);
    const int64_t end = rows * (t + 1) / nt;
    for (int64_t v = rows * t / nt; v < end;) {
      const int64_t p = v / P.rows, r0 = v % P.rows;
      const int64_t r1 = std::min({P.rows, r0 + kBlock, r0 + (end - v)});
      std::fill(f.begin(), f.end(), 0.f);
      acc(p, r0, r1, f.data());
      const int64_t c0 = P.c0(p);
      for (int k = 0; k < terms; ++k)
        for (int64_t j = 0; j < P.width; ++j)
          s[k * P.C + c0 + j] += f[k * P.width + j];
      v += r1 - r0;
    }
    part[t] = std::move(s);
  }
  std::vector<double> total(terms * P.C, 0.0);
  for (const auto& p : part)
    for (size_t i = 0; i < p.size(); ++i)
      total[i] += p[i];
  return total;
}

/// Runs body(p, r0, r1) over blocks of rows of each panel on the OpenMP threads (one thread for
/// small tensors).
template <class Body> void forRowBlocks(const Panels& P, const Body& body) {
  constexpr int64_t kRows = 64;
  const int64_t per = (P.rows + kRows - 1) / kRows, blocks = P.count * per;
#pragma omp parallel for schedule(static) if (P.elements() > 32768)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t p = b / per, r0 = b % per * kRows;
    body(p, r0, std::min(P.rows, r0 + kRows));
  }
}

/// `v + c0`, or null for a null v (a per-channel array the epilogue-free loops do not read).
const float* at(const float* v, int64_t c0) {
  return v ? v + c0 : nullptr;
}

/// γ/√(var + ε) per channel, rounded to float: the one scale the forward, its recomputation and
/// the gradient's epilogue mask all use.
std::vector<float> channelScale(const float* gamma, const float* var, int64_t C, double eps) {
  std::vector<float> scale(C);
  for (int64_t c = 0; c < C; ++c)
    scale[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps));
  return scale;
}

} // namespace

Panels panelsOf(int64_t n, int64_t c, int64_t hw, Layout layout) {
  if (layout == Layout::Blocked16) return {n * c / 16, hw, 16, c};
  return {1, n * hw, c, c};
}

void normalizePanels(const float* X, float* Y, const Panels& P, const float* mean, const float* var,
                     const float* gamma, const float* beta, double eps, Epilogue act) {
  const std::vector<float> scale = channelScale(gamma, var, P.C, eps);
  forRowBlocks(P, [&](int64_t p, int64_t r0, int64_t r1) {
    const int64_t off = P.offset(p) + r0 * P.width, c0 = P.c0(p);
    bnrows::normalize(X + off, Y + off, mean + c0, scale.data() + c0, beta + c0, act, r1 - r0,
                      P.width);
  });
}

namespace {

/// batchnorm_train over channels-last or nChw16c x (its panels).
class BatchNormTrainPanels : public Kernel {
public:
  Panels P;
  double eps = 1e-5, momentum = 0.1, unbias = 1.0;
  Epilogue act = Epilogue::None;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *B = in[2]->f32();
    float* Y = out[0]->f32();
    const int64_t C = P.C;
    if (P.elements() == 0) return;
    const double n = static_cast<double>(P.elements() / C);
    // One pass of shifted sums: d = x − x₀ (x₀ the channel's first value) keeps Σd² − (Σd)²/n
    // free of the cancellation that Σx² − (Σx)²/n suffers when the mean is large.
    std::vector<float> x0(C);
    for (int64_t c = 0; c < C; ++c)
      x0[c] = X[P.offset(c / P.width) + c % P.width];
    std::vector<double> s = channelSums(P, 2, [&](int64_t p, int64_t r0, int64_t r1, float* acc) {
      bnrows::addShiftedSums(X + P.offset(p) + r0 * P.width, x0.data() + P.c0(p), r1 - r0, P.width,
                             acc, acc + P.width);
    });
    for (int64_t c = 0; c < C; ++c) {
      const double m = s[c] / n;
      out[1]->f32()[c] = static_cast<float>(x0[c] + m);
      out[2]->f32()[c] = static_cast<float>(std::max(s[C + c] / n - m * m, 0.0));
    }
    // Normalised with the statistics as stored (what batchnorm_grad and a recomputation read).
    normalizePanels(X, Y, P, out[1]->f32(), out[2]->f32(), G, B, eps, act);
    blendRunningStats(in, out, C, momentum, unbias);
  }
};

/// batchnorm_grad over channels-last or nChw16c x, dy and dx; with an epilogue, dy is masked
/// where the activation of z = (x − mean)·scale + beta (the forward's y, recomputed) passes no
/// gradient.
class BatchNormGradPanels : public Kernel {
public:
  Panels P;
  double eps = 1e-5;
  Epilogue act = Epilogue::None;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float *X = in[0]->f32(), *G = in[1]->f32(), *MU = in[2]->f32(), *V = in[3]->f32();
    const float* DY = in[4]->f32();
    const float* B = act == Epilogue::None ? nullptr : in[5]->f32();
    float *DX = out[0]->f32(), *DG = out[1]->f32(), *DB = out[2]->f32();
    const int64_t C = P.C, W = P.width;
    const double n = static_cast<double>(P.elements() / C);
    const std::vector<float> scale =
        act == Epilogue::None ? std::vector<float>() : channelScale(G, V, C, eps);
    const float* sc = act == Epilogue::None ? nullptr : scale.data();
    // Σg and Σg·(x − mean) per channel.
    std::vector<double> s = channelSums(P, 2, [&](int64_t p, int64_t r0, int64_t r1, float* acc) {
      const int64_t off = P.offset(p) + r0 * W, c0 = P.c0(p);
      bnrows::addGradSums(X + off, DY + off, MU + c0, at(sc, c0), at(B, c0), act, r1 - r0, W, acc,
                          acc + W);
    });
    // dx = a·(g − b − (x − mean)·k) per channel, the coefficients from double.
    std::vector<float> a(C), b(C), k(C);
    for (int64_t c = 0; c < C; ++c) {
      const double rstd = 1.0 / std::sqrt(V[c] + eps);
      DB[c] = static_cast<float>(s[c]);
      DG[c] = static_cast<float>(s[C + c] * rstd);
      a[c] = static_cast<float>(G[c] * rstd);
      b[c] = static_cast<float>(s[c] / n);
      k[c] = static_cast<float>(rstd * rstd * s[C + c] / n);
    }
    forRowBlocks(P, [&](int64_t p, int64_t r0, int64_t r1) {
      const int64_t off = P.offset(p) + r0 * W, c0 = P.c0(p);
      bnrows::gradApply(X + off, DY + off, DX + off, MU + c0, at(sc, c0), at(B, c0), act,
                        a.data() + c0, b.data() + c0, k.data() + c0, r1 - r0, W);
    });
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
  if (const Layout layout = activationLayouts(g)[n.inputs[0]]; layout != Layout::Plain) {
    auto k = std::make_unique<BatchNormTrainPanels>();
    k->P = panelsOf(s.outer, s.C, s.inner, layout);
    k->eps = a.eps;
    k->momentum = a.momentum;
    k->unbias = unbias;
    k->act = a.epilogue;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto k = std::make_unique<BatchNormTrainKernel>();
  k->ctx = ctx;
  k->C = s.C;
  k->act = a.epilogue;
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
  if (const Layout layout = activationLayouts(g)[n.inputs[0]]; layout != Layout::Plain) {
    auto k = std::make_unique<BatchNormGradPanels>();
    k->P = panelsOf(s.outer, s.C, s.inner, layout);
    k->eps = a.eps;
    k->act = a.epilogue;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto k = std::make_unique<BatchNormGradKernel>();
  k->ctx = ctx;
  k->act = a.epilogue;
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
    if (a.epilogue != Epilogue::None) {
      dnnl::batch_normalization_forward::desc r(
          dnnl::prop_kind::forward_inference, data, static_cast<float>(a.eps),
          kFlags | dnnl::normalization_flags::use_global_stats);
      k->recompute = dnnl::batch_normalization_forward(
          dnnl::batch_normalization_forward::primitive_desc(r, ctx->eng));
      k->beta = userMemory(stat, *ctx);
    }
  });
}

} // namespace

void registerBatchNormTrain(Registry& r) {
  r.add(OpKind::BatchNormTrain, makeBatchNormTrain, kernels::checkBatchNormTrain);
  r.add(OpKind::BatchNormGrad, makeBatchNormGrad);
}

} // namespace llie::cpu
