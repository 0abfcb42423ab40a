// The cpu backend: one oneDNN cpu engine and stream per backend (shared with its kernels),
// 64-byte aligned host memory, memcpy transfers, and the kernel registry filled by the family
// files. Source nodes (input/param/state/constant) are filled by the executor; their "kernel"
// only writes a constant's value. Anything else without a registered kernel is an error value.
#include "backends/cpu/cpu_kernels.h"

#include <cstring>

namespace llie::cpu {
namespace {

bool isSource(OpKind k) {
  return k == OpKind::Input || k == OpKind::Param || k == OpKind::State || k == OpKind::Constant;
}

const Registry& registry() {
  static const Registry r = [] {
    Registry x;
    registerConv2d(x);
    registerBatchNorm(x);
    registerEltwise(x);
    registerBinary(x);
    registerPool(x);
    registerResize(x);
    registerReduce(x);
    registerSoftmax(x);
    registerConcat(x);
    registerDataMovement(x);
    return x;
  }();
  return r;
}

class CpuBackend : public Backend {
public:
  CpuBackend() : ctx_(std::make_shared<CpuContext>()) {}
  const char* name() const override { return "cpu"; }

  bool implements(OpKind op) const override {
    return isSource(op) || registry().at(op).make != nullptr;
  }

  bool supports(const Graph& g, const Node& n) const override {
    if (isSource(n.op)) return true;
    const Entry& e = registry().at(n.op);
    if (!e.make || !kernels::allF32Const(g, n)) return false;
    return !e.check || e.check(g, n).empty();
  }

  Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) override {
    if (isSource(n.op)) {
      bool fill = n.op == OpKind::Constant;
      float v = fill ? static_cast<float>(attrsOf<ConstantAttrs>(n).value) : 0.f;
      return kernels::makeFnKernel([v, fill](const auto&, const auto& out) {
        if (!fill) return;
        float* y = out[0]->f32();
        for (int64_t i = 0; i < out[0]->numel(); ++i) y[i] = v;
      });
    }
    const Entry& e = registry().at(n.op);
    if (!e.make) return kernels::unsupported(n, name());
    if (!kernels::allF32Const(g, n)) return kernels::unsupported(n, name(), "only f32 tensors");
    if (e.check) {
      std::string why = e.check(g, n);
      if (!why.empty()) return kernels::unsupported(n, name(), why);
    }
    return e.make(g, n, ctx_);
  }

  void* allocate(size_t bytes) override { return kernels::alignedHostAlloc(bytes); }
  void release(void* p) override { kernels::alignedHostFree(p); }
  void copyIn(void* dst, const void* src, size_t bytes) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void copyOut(void* dst, const void* src, size_t bytes) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void synchronize() override { ctx_->strm.wait(); }

private:
  CtxPtr ctx_;
};

} // namespace

std::unique_ptr<Backend> makeCpuBackend() { return std::make_unique<CpuBackend>(); }

} // namespace llie::cpu
