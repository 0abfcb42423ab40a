// cpu Concat along any axis on oneDNN's concat primitive over plain row-major descriptors.
// Inputs with no elements are skipped (oneDNN rejects zero-sized sources).
#include "backends/cpu/cpu_kernels.h"

#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

class ConcatKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::concat prim;
  std::vector<int> used; // input indices fed to the primitive
  std::vector<memory> srcs;
  memory dst;
  bool empty = false;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (empty) return;
    std::unordered_map<int, memory> args;
    for (size_t i = 0; i < used.size(); ++i) {
      bind(srcs[i], in[used[i]]->data);
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = srcs[i];
    }
    bind(dst, out[0]->data);
    args[DNNL_ARG_DST] = dst;
    prim.execute(ctx->strm, args);
    ctx->strm.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeConcat(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Dims y = kernels::outShape(g, n);
  int64_t axis = kernels::normAxis(attrsOf<AxisAttrs>(n).axis, static_cast<int64_t>(y.size()));
  if (axis < 0) return kernels::badNode(n, "axis out of range");
  auto k = std::make_unique<ConcatKernel>();
  k->ctx = ctx;
  std::vector<memory::desc> mds;
  int64_t total = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Dims x = kernels::inShape(g, n, i);
    if (x.size() != y.size()) return kernels::badNode(n, "inputs of different ranks");
    for (size_t d = 0; d < y.size(); ++d)
      if (static_cast<int64_t>(d) != axis && x[d] != y[d])
        return kernels::badNode(n, "inputs differ off the concat axis");
    total += x[axis];
    if (numel(x) == 0) continue;
    k->used.push_back(static_cast<int>(i));
    mds.push_back(plainDesc(x));
  }
  if (total != y[axis]) return kernels::badNode(n, "output extent along the axis");
  if (numel(y) == 0) {
    k->empty = true;
    return std::unique_ptr<Kernel>(std::move(k));
  }
  Status st = dnnlBuild(n, [&] {
    memory::desc dst = plainDesc(y);
    dnnl::concat::primitive_desc pd(dst, static_cast<int>(axis), mds, ctx->eng);
    k->prim = dnnl::concat(pd);
    for (auto& md : mds) k->srcs.push_back(userMemory(md, *ctx));
    k->dst = userMemory(dst, *ctx);
  });
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerConcat(Registry& r) { r.add(OpKind::Concat, makeConcat); }

} // namespace llie::cpu
