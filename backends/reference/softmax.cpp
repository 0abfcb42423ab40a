// Reference softmax and log_softmax over ReduceAttrs.axes (one or several, any positions; no
// axes = all): y = exp(x - max) / sum(exp(x - max)), or y = x - max - log(sum(exp(x - max))),
// over each group of elements that share the indices of the other axes. Three passes (max,
// sum, normalise), in double.
#include "backends/reference/ref_kernels.h"

#include <limits>

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeSoftmax(const Graph& g, const Node& n) {
  bool logForm = n.op == OpKind::LogSoftmax;
  const auto& a = attrsOf<ReduceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  bool ok = true;
  Dims axes = kernels::normAxes(a.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axis out of range");
  Dims kept = x;
  for (int64_t ax : axes) kept[ax] = 1;
  Dims ks = kernels::stridesOf(kept);
  for (int64_t ax : axes) ks[ax] = 0;
  int64_t groups = numel(kept), total = numel(x);
  // Group index of every element, computed once.
  std::vector<int64_t> group(total);
  Dims idx(x.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < x.size(); ++d) o += idx[d] * ks[d];
    group[i] = o;
    for (int64_t d = static_cast<int64_t>(x.size()) - 1; d >= 0; --d) {
      if (++idx[d] < x[d]) break;
      idx[d] = 0;
    }
  }

  return kernels::makeFnKernel([group, groups, total, logForm](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    std::vector<double> mx(groups, -std::numeric_limits<double>::infinity()), sum(groups, 0.0);
    for (int64_t i = 0; i < total; ++i) mx[group[i]] = std::max(mx[group[i]], double(X[i]));
    for (int64_t i = 0; i < total; ++i) sum[group[i]] += std::exp(X[i] - mx[group[i]]);
    if (logForm) {
      for (int64_t i = 0; i < total; ++i)
        Y[i] = static_cast<float>(X[i] - mx[group[i]] - std::log(sum[group[i]]));
      return;
    }
    for (int64_t i = 0; i < total; ++i)
      Y[i] = static_cast<float>(std::exp(X[i] - mx[group[i]]) / sum[group[i]]);
  });
}

} // namespace

void registerSoftmax(Registry& r) {
  r.add(OpKind::Softmax, makeSoftmax);
  r.add(OpKind::LogSoftmax, makeSoftmax);
}

} // namespace llie::ref
