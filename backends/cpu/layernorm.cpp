// cpu LayerNorm over the last axis on oneDNN's layer_normalization_forward (forward_inference:
// the statistics are computed per row, biased variance) with use_scale | use_shift for the
// per-element gamma and beta. x is viewed as [rows, K]. Other axes are refused (the frontend
// always normalises the last one).
#include "backends/cpu/cpu_kernels.h"

namespace llie::cpu {
namespace {

using dnnl::memory;

class LayerNormKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::layer_normalization_forward ln;
  memory src, dst, scale, shift;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(scale, in[1]->data);
    bind(shift, in[2]->data);
    bind(dst, out[0]->data);
    ln.execute(ctx->strm, {{DNNL_ARG_SRC, src},
                           {DNNL_ARG_DST, dst},
                           {DNNL_ARG_SCALE, scale},
                           {DNNL_ARG_SHIFT, shift}});
    ctx->strm.wait();
  }
};

std::string checkLayerNorm(const Graph& g, const Node& n) {
  int64_t rank = static_cast<int64_t>(g.type(n.inputs[0]).shape.size());
  return kernels::normAxis(attrsOf<NormAttrs>(n).axis, rank) == rank - 1
             ? ""
             : "layernorm over an axis other than the last";
}

Expected<std::unique_ptr<Kernel>> makeLayerNorm(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0);
  if (x.empty() || kernels::outShape(g, n) != x)
    return kernels::badNode(n, "rank-0 input or output shape differs");
  const int64_t K = x.back();
  if (numel(kernels::inShape(g, n, 1)) != K || numel(kernels::inShape(g, n, 2)) != K)
    return kernels::badNode(n, "gamma and beta need one value per last-axis element");
  if (numel(x) == 0) return kernels::noopKernel();
  const int64_t rows = numel(x) / K;
  const float eps = static_cast<float>(attrsOf<NormAttrs>(n).eps);

  auto k = std::make_unique<LayerNormKernel>();
  k->ctx = ctx;
  return finishKernel(n, k, [&] {
    memory::desc data = plainDesc({rows, K}), param = plainDesc({K});
    auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    dnnl::layer_normalization_forward::desc d(dnnl::prop_kind::forward_inference, data, eps, flags);
    dnnl::layer_normalization_forward::primitive_desc pd(d, ctx->eng);
    k->ln = dnnl::layer_normalization_forward(pd);
    k->src = userMemory(data, *ctx);
    k->dst = userMemory(data, *ctx);
    k->scale = userMemory(param, *ctx);
    k->shift = userMemory(param, *ctx);
  });
}

} // namespace

void registerLayerNorm(Registry& r) {
  r.add(OpKind::LayerNorm, makeLayerNorm, checkLayerNorm);
}

} // namespace llie::cpu
