// HostBackend's shared behaviour (see host_backend.h): the source-node kernel, the checks that
// decide supports() and prepare()'s error values (f32 tensors only, but for the Bool results of
// comparisons and where's Bool condition), and the aligned host allocator.
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
    for (int64_t i = 0; i < out[0]->numel(); ++i)
      y[i] = v;
  });
}

bool isComparison(OpKind k) {
  return k == OpKind::Equal || k == OpKind::Less || k == OpKind::LessEqual ||
         k == OpKind::Greater || k == OpKind::GreaterEqual;
}

/// Host kernels take f32 tensors with constant shapes, except for Bool (one byte per element)
/// exactly where an op needs it: the result of a comparison and where's condition (input 0).
bool dtypesAndShapesOk(const Graph& g, const Node& n) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorType& t = g.type(n.inputs[i]);
    DType want = n.op == OpKind::Where && i == 0 ? DType::Bool : DType::F32;
    if (t.dtype != want || !shapeIsConst(t.shape)) return false;
  }
  for (ValueId v : n.outputs) {
    const TensorType& t = g.type(v);
    DType want = isComparison(n.op) ? DType::Bool : DType::F32;
    if (t.dtype != want || !shapeIsConst(t.shape)) return false;
  }
  return true;
}

} // namespace

bool HostBackend::implements(OpKind op) const {
  return isSource(op) || ops_[static_cast<size_t>(op)].registered;
}

std::string HostBackend::refusal(const Graph& g, const Node& n) const {
  if (!dtypesAndShapesOk(g, n))
    return isComparison(n.op) || n.op == OpKind::Where
               ? "only f32 tensors, but for a bool comparison result or where condition"
               : "only f32 tensors";
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

void HostBackend::release(void* p) {
  std::free(p);
}

void HostBackend::copyIn(void* dst, const void* hostSrc, size_t bytes) {
  if (bytes) std::memcpy(dst, hostSrc, bytes);
}

void HostBackend::copyOut(void* hostDst, const void* src, size_t bytes) {
  if (bytes) std::memcpy(hostDst, src, bytes);
}

} // namespace llie
