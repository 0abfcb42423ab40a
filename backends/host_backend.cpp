// HostBackend's shared behaviour (see host_backend.h): the source-node kernel, the checks that
// decide supports() and prepare()'s error values (f32 tensors, but for the few slots that take
// Bool, I64 or C64), and the aligned host allocator.
#include "backends/host_backend.h"

#include "backends/kernel_util.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include <sys/mman.h>

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
    for (int64_t i = 0; i < out[0]->numel(); ++i)
      y[i] = v;
  });
}

bool isComparison(OpKind k) {
  return k == OpKind::Equal || k == OpKind::Less || k == OpKind::LessEqual ||
         k == OpKind::Greater || k == OpKind::GreaterEqual;
}

/// The dtype a host kernel takes at one input or output of an op: f32, but for Bool (one byte
/// per element), I64 and C64 (interleaved float pairs) exactly where the op needs them.
/// `alt` is a second dtype the slot also takes.
struct SlotDtype {
  DType want = DType::F32;
  std::optional<DType> alt;
};

SlotDtype slotDtype(OpKind op, bool output, size_t i) {
  if (!output) {
    if (op == OpKind::Where && i == 0) return {DType::Bool, std::nullopt};
    if (op == OpKind::FusedElementwise) return {DType::F32, DType::Bool}; // where's conditions
    if ((op == OpKind::CrossEntropy || op == OpKind::KlDiv || op == OpKind::ClassLossGrad) &&
        i == 1)
      return {DType::F32, DType::I64}; // class indices or a distribution
    if ((op == OpKind::Irfft2 || op == OpKind::ComplexAbs || op == OpKind::ComplexAngle ||
         op == OpKind::Rfft2Grad || op == OpKind::ComplexAbsGrad ||
         op == OpKind::ComplexAngleGrad) &&
        i == 0)
      return {DType::C64, std::nullopt};
    if (op == OpKind::PolarGrad && i == 2) return {DType::C64, std::nullopt};
    if (op == OpKind::Add) return {DType::F32, DType::C64}; // complex gradients meeting
    return {};
  }
  if (isComparison(op)) return {DType::Bool, std::nullopt};
  if (op == OpKind::ArgMax) return {DType::I64, std::nullopt};
  if (op == OpKind::Rfft2 || op == OpKind::Polar || op == OpKind::Irfft2Grad ||
      op == OpKind::ComplexAbsGrad || op == OpKind::ComplexAngleGrad)
    return {DType::C64, std::nullopt};
  if (op == OpKind::Add) return {DType::F32, DType::C64};
  return {};
}

/// "" when every tensor of the node has a constant shape and the dtype its slot takes;
/// otherwise why not.
std::string dtypesAndShapesRefusal(const Graph& g, const Node& n) {
  auto slot = [&](ValueId v, bool output, size_t i) -> std::string {
    const TensorType& t = g.type(v);
    if (!shapeIsConst(t.shape)) return "only constant shapes";
    SlotDtype d = slotDtype(n.op, output, i);
    if (t.dtype == d.want || (d.alt && t.dtype == *d.alt)) return "";
    return std::string(output ? "output " : "input ") + std::to_string(i) + " is " +
           dtypeName(t.dtype) + ", the host kernels take " + dtypeName(d.want) +
           (d.alt ? std::string(" or ") + dtypeName(*d.alt) : std::string()) + " there";
  };
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (auto why = slot(n.inputs[i], false, i); !why.empty()) return why;
  for (size_t i = 0; i < n.outputs.size(); ++i)
    if (auto why = slot(n.outputs[i], true, i); !why.empty()) return why;
  return "";
}

} // namespace

bool HostBackend::implements(OpKind op) const {
  return isSource(op) || ops_[static_cast<size_t>(op)].registered;
}

std::string HostBackend::refusal(const Graph& g, const Node& n) const {
  if (auto why = dtypesAndShapesRefusal(g, n); !why.empty()) return why;
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
  // A large buffer (an executor's arena) starts on a 2 MiB boundary and asks for transparent
  // huge pages, so the activations' tens of MiB take few TLB entries (1-3% faster inference).
  constexpr size_t kHuge = size_t{2} << 20;
  const bool huge = rounded >= 2 * kHuge;
  void* p = nullptr;
  if (::posix_memalign(&p, huge ? kHuge : kAlign, rounded) != 0) p = nullptr;
  if (p && huge) ::madvise(p, rounded, MADV_HUGEPAGE);
  if (p) {
    sizes_[p] = rounded;
    meter().add(rounded);
  }
  return p;
}

void HostBackend::release(void* p) {
  auto it = sizes_.find(p);
  if (it != sizes_.end()) {
    meter().sub(it->second);
    sizes_.erase(it);
  }
  std::free(p);
}

DeviceMemory HostBackend::memoryUse() const {
  const MemoryMeter& m = meter();
  return {m.held, m.peak, workspaceBytes()};
}

void HostBackend::copyIn(void* dst, const void* hostSrc, size_t bytes) {
  if (bytes) std::memcpy(dst, hostSrc, bytes);
}

void HostBackend::copyOut(void* hostDst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(hostDst, src, bytes);
}

} // namespace llie
