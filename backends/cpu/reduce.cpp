// cpu reductions sum, mean, max, min on oneDNN's reduction primitive: dst is described with
// the keepdim shape (reduced axes of size 1), which has the same row-major layout as the
// keepdim=false output. When nothing is actually reduced (every reduced axis has size 1, or a
// rank-0 input) the kernel is a copy.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/loop_utils.h"

namespace llie::cpu {
namespace {

using dnnl::algorithm;
using dnnl::memory;

class ReduceKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::reduction prim;
  memory src, dst;
  bool copyOnly = false;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (copyOnly) return parallelCopy(out[0]->f32(), in[0]->f32(), out[0]->numel());
    bind(src, in[0]->data);
    bind(dst, out[0]->data);
    prim.execute(ctx->strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    ctx->strm.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeReduce(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const auto& a = attrsOf<ReduceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  bool ok = true;
  Dims axes = kernels::normAxes(a.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axis out of range");
  Dims kept = x;
  bool reduces = false;
  for (int64_t ax : axes) reduces |= x[ax] > 1, kept[ax] = 1;
  if (numel(kept) != numel(y)) return kernels::badNode(n, "output shape");
  auto k = std::make_unique<ReduceKernel>();
  k->ctx = ctx;
  if (!reduces || numel(x) == 0) {
    k->copyOnly = true;
    if (numel(x) == 0 && numel(y) != 0)
      return kernels::unsupported(n, "cpu", "reduction of an empty tensor");
    return std::unique_ptr<Kernel>(std::move(k));
  }
  algorithm alg = n.op == OpKind::ReduceSum    ? algorithm::reduction_sum
                  : n.op == OpKind::ReduceMean ? algorithm::reduction_mean
                  : n.op == OpKind::ReduceMax  ? algorithm::reduction_max
                                               : algorithm::reduction_min;
  Status st = dnnlBuild(n, [&] {
    memory::desc src = plainDesc(x), dst = plainDesc(kept);
    dnnl::reduction::desc d(alg, src, dst, 0.f, 0.f);
    dnnl::reduction::primitive_desc pd(d, ctx->eng);
    k->prim = dnnl::reduction(pd);
    k->src = userMemory(src, *ctx);
    k->dst = userMemory(dst, *ctx);
  });
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : {OpKind::ReduceSum, OpKind::ReduceMean, OpKind::ReduceMax, OpKind::ReduceMin})
    r.add(k, makeReduce);
}

} // namespace llie::cpu
