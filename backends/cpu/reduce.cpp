// cpu reductions sum, mean, max, min on oneDNN's reduction primitive: dst is described with
// the keepdim shape (reduced axes of size 1), which has the same row-major layout as the
// keepdim=false output. When nothing is actually reduced (every reduced axis has size 1, or a
// rank-0 input) the kernel is a copy.
#include "backends/cpu/cpu_kernels.h"
#include "backends/host_data_movement.h"

namespace llie::cpu {
namespace {

using dnnl::algorithm;

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
  if (!reduces || numel(x) == 0) {
    if (numel(x) == 0 && numel(y) != 0)
      return kernels::unsupported(n, "cpu", "reduction of an empty tensor");
    return host::makeCopy(g, n);
  }
  algorithm alg = n.op == OpKind::ReduceSum    ? algorithm::reduction_sum
                  : n.op == OpKind::ReduceMean ? algorithm::reduction_mean
                  : n.op == OpKind::ReduceMax  ? algorithm::reduction_max
                                               : algorithm::reduction_min;
  return srcDstKernel<dnnl::reduction>(n, ctx, [&] {
    return dnnl::reduction::desc(alg, plainDesc(x), plainDesc(kept), 0.f, 0.f);
  });
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : kernels::kReduceOps) r.add(k, makeReduce);
}

} // namespace llie::cpu
