// cpu Concat along any axis on oneDNN's concat primitive over plain row-major descriptors.
// Inputs with no elements are skipped (oneDNN rejects zero-sized sources).
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/op_geometry.h"

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

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
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
  Expected<int64_t> axis = kernels::concatAxis(g, n);
  if (!axis) return axis.takeStatus();
  Dims y = kernels::outShape(g, n);
  if (numel(y) == 0) return kernels::noopKernel();
  auto k = std::make_unique<ConcatKernel>();
  k->ctx = ctx;
  // The inputs and the output share one layout (layout.h).
  const Layout layout = activationLayouts(g)[n.outputs[0]];
  std::vector<memory::desc> mds;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Dims x = kernels::inShape(g, n, i);
    if (numel(x) == 0) continue;
    k->used.push_back(static_cast<int>(i));
    mds.push_back(activationDesc(x, layout));
  }
  return finishKernel(n, k, [&] {
    memory::desc dst = activationDesc(y, layout);
    dnnl::concat::primitive_desc pd(dst, static_cast<int>(*axis), mds, ctx->eng);
    k->prim = dnnl::concat(pd);
    for (auto& md : mds)
      k->srcs.push_back(userMemory(md, *ctx));
    k->dst = userMemory(dst, *ctx);
  });
}

} // namespace

void registerConcat(Registry& r) {
  r.add(OpKind::Concat, makeConcat);
}

} // namespace llie::cpu
