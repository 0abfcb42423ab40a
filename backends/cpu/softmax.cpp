// cpu Softmax and LogSoftmax on oneDNN's softmax_forward and logsoftmax_forward (accurate form,
// max-subtracted): the axes, which must be contiguous (e.g. H and W together), are folded into
// one so the tensor is viewed as [outer, K, inner] with the op along axis 1. Non-contiguous axis
// sets are not supported.
#include "backends/cpu/cpu_kernels.h"

namespace llie::cpu {
namespace {

std::string checkSoftmax(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0);
  bool ok = true;
  Dims axes = kernels::normAxes(attrsOf<ReduceAttrs>(n).axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return "axis out of range";
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) return "softmax over non-contiguous axes";
  return "";
}

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
  if (numel(x) == 0) return kernels::noopKernel();
  if (n.op == OpKind::LogSoftmax)
    return srcDstKernel<dnnl::logsoftmax_forward>(n, ctx, [&] {
      return dnnl::logsoftmax_forward::desc(dnnl::prop_kind::forward_inference,
                                            plainDesc({outer, K, inner}), 1);
    });
  return srcDstKernel<dnnl::softmax_forward>(n, ctx, [&] {
    return dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference,
                                       plainDesc({outer, K, inner}), 1);
  });
}

} // namespace

void registerSoftmax(Registry& r) {
  r.add(OpKind::Softmax, makeSoftmax, checkSoftmax);
  r.add(OpKind::LogSoftmax, makeSoftmax, checkSoftmax);
}

} // namespace llie::cpu
