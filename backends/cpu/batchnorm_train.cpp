// cpu training-mode batch normalisation on oneDNN's batch_normalization primitives with
// use_scale | use_shift (oneDNN 2.6 takes scale and shift as separate memories); x is viewed as
// the plain NCHW tensor [outer, C, inner, 1] along NormAttrs.axis, as in batchnorm.cpp.
//  batchnorm_train -> (y, mean, var, new_running_mean, new_running_var): forward_training, which
//    computes the batch mean and biased variance into the mean/var outputs; then the running
//    statistics are blended in a short loop, PyTorch's way: (1 − m)·r + m·stat, with the
//    unbiased variance var·n/(n − 1), n the elements per channel;
//  batchnorm_grad(x, gamma, mean, var, dy) -> (dx, dgamma, dbeta): prop_kind::backward (hinted by
//    a forward_training descriptor), giving diff_src, diff_scale and diff_shift. oneDNN 2.6
//    requires a shift argument with use_shift even backwards, where it is never read: zeros.
// Descriptors and primitives are built once at prepare time; memories are re-pointed each run.
#include "backends/cpu/cpu_kernels.h"
#include "backends/grad_geometry.h"

namespace llie::cpu {
namespace {

using dnnl::memory;

const dnnl::normalization_flags kFlags =
    dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

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
    const float *rm = in[3]->f32(), *rv = in[4]->f32();
    const float *mu = out[1]->f32(), *v = out[2]->f32();
    float *nrm = out[3]->f32(), *nrv = out[4]->f32();
    double m = momentum;
    for (int64_t c = 0; c < C; ++c) {
      nrm[c] = static_cast<float>((1 - m) * rm[c] + m * mu[c]);
      nrv[c] = static_cast<float>((1 - m) * rv[c] + m * v[c] * unbias);
    }
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
  auto k = std::make_unique<BatchNormTrainKernel>();
  k->ctx = ctx;
  k->C = s.C;
  k->momentum = a.momentum;
  k->unbias = s.count > 1 ? static_cast<double>(s.count) / static_cast<double>(s.count - 1) : 1.0;
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
