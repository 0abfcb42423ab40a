// cpu BatchNorm (inference on running statistics) on oneDNN's batch_normalization_forward with
// use_global_stats | use_scale | use_shift (oneDNN 2.6 takes scale and shift as separate
// memories). Any rank and any channel axis: x is viewed as [outer, C, inner, 1], a plain NCHW
// tensor, which is exactly the per-channel normalisation oneDNN computes (4-D rather than 3-D
// because oneDNN 2.6 only has its reference implementation for 3-D "ncw" data). A channels-last
// or nChw16c x (layout.h; in training steps, the recomputation of a batchnorm_train output)
// runs normalizePanels instead, batchnorm_train's own loop, so the recomputation is exact. A
// relu/relu6 epilogue (set by the fuse-batchnorm-activation training pass) is applied in that
// loop, or after oneDNN's kernel.
#include "backends/cpu/bn_rows.h"
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/grad_geometry.h"

#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

class BatchNormKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::batch_normalization_forward bn;
  memory src, dst, scale, shift, mean, var;
  Epilogue act = Epilogue::None;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(scale, in[1]->data);
    bind(shift, in[2]->data);
    bind(mean, in[3]->data);
    bind(var, in[4]->data);
    bind(dst, out[0]->data);
    bn.execute(ctx->strm, {{DNNL_ARG_SRC, src},
                           {DNNL_ARG_DST, dst},
                           {DNNL_ARG_SCALE, scale},
                           {DNNL_ARG_SHIFT, shift},
                           {DNNL_ARG_MEAN, mean},
                           {DNNL_ARG_VARIANCE, var}});
    ctx->strm.wait();
    bnrows::activate(out[0]->f32(), out[0]->numel(), act);
  }
};

Expected<std::unique_ptr<Kernel>> makeBatchNorm(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom geo, kernels::batchNormGeometry(g, n));
  const int64_t outer = geo.outer, C = geo.C, inner = geo.inner;
  if (const Layout layout = activationLayouts(g)[n.inputs[0]]; layout != Layout::Plain) {
    const Panels P = panelsOf(outer, C, inner, layout);
    const double eps = a.eps;
    const Epilogue act = a.epilogue;
    return kernels::makeFnKernel([=](const auto& in, const auto& out) {
      normalizePanels(in[0]->f32(), out[0]->f32(), P, in[3]->f32(), in[4]->f32(), in[1]->f32(),
                      in[2]->f32(), eps, act);
    });
  }

  auto k = std::make_unique<BatchNormKernel>();
  k->ctx = ctx;
  k->act = a.epilogue;
  return finishKernel(n, k, [&] {
    memory::desc data = plainDesc({outer, C, inner, 1}), stat = plainDesc({C});
    auto flags = dnnl::normalization_flags::use_global_stats |
                 dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, data,
                                              static_cast<float>(a.eps), flags);
    dnnl::batch_normalization_forward::primitive_desc pd(d, ctx->eng);
    k->bn = dnnl::batch_normalization_forward(pd);
    k->src = userMemory(data, *ctx);
    k->dst = userMemory(data, *ctx);
    for (memory* m : {&k->scale, &k->shift, &k->mean, &k->var})
      *m = userMemory(stat, *ctx);
  });
}

} // namespace

void registerBatchNorm(Registry& r) {
  r.add(OpKind::BatchNorm, makeBatchNorm);
}

} // namespace llie::cpu
