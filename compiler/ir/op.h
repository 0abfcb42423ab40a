// OpKind and the per-op facts generated from ops.def: DSL name, arity, attribute type,
// category and flags. Strings appear only at the boundaries (opFromName / opName).
#pragma once
#include "compiler/ir/attrs.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llie {

enum class OpCategory : uint8_t {
  Source,
  Elementwise,
  ConvLike,
  Reduction,
  DataMovement,
  Opaque,
  Loss
};

enum OpFlags : uint32_t {
  kDiff = 1,
  kInplace = 2,
  kSideEffect = 4,
  kShapeOnlyX = 8,
  kPassOnly = 16
};

enum class OpKind : uint16_t {
#define LLIE_OP(kind, name, minIn, maxIn, nOut, attrs, cat, flags) kind,
#include "compiler/ir/ops.def"
#undef LLIE_OP
};

constexpr size_t kNumOps = 0
#define LLIE_OP(kind, name, minIn, maxIn, nOut, attrs, cat, flags) +1
#include "compiler/ir/ops.def"
#undef LLIE_OP
    ;

struct OpInfo {
  OpKind kind;
  const char* name;
  int minInputs, maxInputs, numOutputs;
  OpCategory category;
  uint32_t flags;
  size_t attrsIndex; ///< index of the attribute struct in the Attrs variant
};

const OpInfo& opInfo(OpKind k);
inline const char* opName(OpKind k) {
  return opInfo(k).name;
}
std::optional<OpKind> opFromName(std::string_view name);
const char* categoryName(OpCategory c);
inline bool opIsDifferentiable(OpKind k) {
  return opInfo(k).flags & kDiff;
}
/// Whether input `i` of `k` is read for its shape only (kShapeOnlyX: the first input of
/// conv2d_grad_input, resize_grad, pad_grad, slice_grad), so its data need not be alive.
inline bool inputIsShapeOnly(OpKind k, size_t i) {
  return i == 0 && (opInfo(k).flags & kShapeOnlyX);
}
/// Default-constructed attributes of the right type for `k`.
Attrs defaultAttrs(OpKind k);

} // namespace llie
