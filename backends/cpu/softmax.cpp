// cpu Softmax on oneDNN's softmax_forward (accurate form, max-subtracted): the axes, which must
// be contiguous (e.g. H and W together), are folded into one so the tensor is viewed as
// [outer, K, inner] with softmax along axis 1. Non-contiguous axis sets are not supported.
#include "backends/cpu/cpu_kernels.h"

namespace llie::cpu {
namespace {

using dnnl::memory;

std::string checkSoftmax(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0);
  bool ok = true;
  Dims axes = kernels::normAxes(attrsOf<ReduceAttrs>(n).axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return "axis out of range";
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) return "softmax over non-contiguous axes";
  return "";
}

class SoftmaxKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::softmax_forward prim;
  memory src, dst;
  bool empty = false;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (empty) return;
    bind(src, in[0]->data);
    bind(dst, out[0]->data);
    prim.execute(ctx->strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    ctx->strm.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeSoftmax(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  bool ok = true;
  Dims axes = kernels::normAxes(attrsOf<ReduceAttrs>(n).axes, static_cast<int64_t>(x.size()), ok);
  int64_t outer = 1, K = 1, inner = 1;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!axes.empty() && static_cast<int64_t>(d) < axes.front()) outer *= x[d];
    else if (!axes.empty() && static_cast<int64_t>(d) > axes.back()) inner *= x[d];
    else K *= x[d];
  }
  auto k = std::make_unique<SoftmaxKernel>();
  k->ctx = ctx;
  if (numel(x) == 0) {
    k->empty = true;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  Status st = dnnlBuild(n, [&] {
    memory::desc md = plainDesc({outer, K, inner});
    dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, md, 1);
    dnnl::softmax_forward::primitive_desc pd(d, ctx->eng);
    k->prim = dnnl::softmax_forward(pd);
    k->src = userMemory(md, *ctx);
    k->dst = userMemory(md, *ctx);
  });
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerSoftmax(Registry& r) { r.add(OpKind::Softmax, makeSoftmax, checkSoftmax); }

} // namespace llie::cpu
