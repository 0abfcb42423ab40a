// Reference reductions sum, mean, max, min over ReduceAttrs.axes (negative axes count from
// the end; no axes = all axes), keepdim or not: the output's row-major layout is the same
// either way, so each input element is folded into the output slot whose index has the
// reduced axes zeroed. Accumulation in double.
#include "backends/reference/ref_kernels.h"

#include <limits>

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeReduce(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ReduceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  bool ok = true;
  Dims axes = kernels::normAxes(a.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axis out of range");
  Dims kept = x; // keepdim shape
  int64_t count = 1;
  for (int64_t ax : axes) count *= x[ax], kept[ax] = 1;
  if (numel(kept) != numel(y)) return kernels::badNode(n, "output shape");
  Dims ks = kernels::stridesOf(kept);
  for (int64_t ax : axes) ks[ax] = 0; // reduced axes do not move the output slot
  OpKind op = n.op;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    double init = op == OpKind::ReduceMax   ? -std::numeric_limits<double>::infinity()
                  : op == OpKind::ReduceMin ? std::numeric_limits<double>::infinity()
                                            : 0.0;
    std::vector<double> acc(numel(kept), init);
    Dims idx(x.size(), 0);
    int64_t total = numel(x);
    for (int64_t i = 0; i < total; ++i) {
      int64_t o = 0;
      for (size_t d = 0; d < x.size(); ++d) o += idx[d] * ks[d];
      double v = X[i];
      if (op == OpKind::ReduceMax) acc[o] = std::max(acc[o], v);
      else if (op == OpKind::ReduceMin) acc[o] = std::min(acc[o], v);
      else acc[o] += v;
      for (int64_t d = static_cast<int64_t>(x.size()) - 1; d >= 0; --d) {
        if (++idx[d] < x[d]) break;
        idx[d] = 0;
      }
    }
    for (size_t o = 0; o < acc.size(); ++o)
      Y[o] = static_cast<float>(op == OpKind::ReduceMean ? acc[o] / count : acc[o]);
  });
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : kernels::kReduceOps) r.add(k, makeReduce);
}

} // namespace llie::ref
