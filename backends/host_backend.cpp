// HostBackend's shared behaviour (see host_backend.h): the source-node kernel, the checks that
// decide supports() and prepare()'s error values, and the aligned host allocator.
#include "backends/host_backend.h"

#include "backends/kernel_util.h"

#include <cstdlib>
#include <cstring>

namespace llie {
namespace {

bool isSource(OpKind k) {
  return k == OpKind::Input || k == OpKind::Param || k == OpKind::State || k == OpKind::Constant;
}

/// Sources are filled by the executor; a constant's kernel writes its value.
std::unique_ptr<Kernel> sourceKernel(const Node& n) {
  bool fill = n.op == OpKind::Constant;
  float v = fill ? static_cast<float>(attrsOf<ConstantAttrs>(n).value) : 0.f;
  return kernels::makeFnKernel([v, fill](const auto&, const auto& out) {
    if (!fill) return;
    float* y = out[0]->f32();
    for (int64_t i = 0; i < out[0]->numel(); ++i) y[i] = v;
  });
}

} // namespace

bool HostBackend::implements(OpKind op) const {
  return isSource(op) || ops_[static_cast<size_t>(op)].registered;
}

std::string HostBackend::refusal(const Graph& g, const Node& n) const {
  if (!kernels::allF32Const(g, n)) return "only f32 tensors";
  kernels::Check check = ops_[static_cast<size_t>(n.op)].check;
  return check ? check(g, n) : std::string();
}

bool HostBackend::supports(const Graph& g, const Node& n) const {
  if (isSource(n.op)) return true;
  return implements(n.op) && refusal(g, n).empty();
}

Expected<std::unique_ptr<Kernel>> HostBackend::prepare(const Graph& g, const Node& n) {
  if (isSource(n.op)) return sourceKernel(n);
  if (!implements(n.op)) return kernels::unsupported(n, name_);
  std::string why = refusal(g, n);
  if (!why.empty()) return kernels::unsupported(n, name_, why);
  return make_(g, n);
}

void* HostBackend::allocate(size_t bytes) {
  constexpr size_t kAlign = 64;
  size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) rounded = kAlign; // never nullptr, even for 0 bytes
  return std::aligned_alloc(kAlign, rounded);
}

void HostBackend::release(void* p) { std::free(p); }

void HostBackend::copyIn(void* dst, const void* hostSrc, size_t bytes) {
  if (bytes) std::memcpy(dst, hostSrc, bytes);
}

void HostBackend::copyOut(void* hostDst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(hostDst, src, bytes);
}

} // namespace llie
