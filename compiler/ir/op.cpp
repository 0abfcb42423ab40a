// The op-info table generated from ops.def.
#include "compiler/ir/op.h"

#include <array>

namespace llie {

namespace {
template <class T, class V> struct VariantIndex;
template <class T, class... Ts> struct VariantIndex<T, std::variant<Ts...>> {
  static constexpr size_t value = [] {
    size_t i = 0;
    ((std::is_same_v<T, Ts> ? false : (++i, true)) && ...);
    return i;
  }();
};

const std::array<OpInfo, kNumOps> kTable = {{
#define LLIE_OP(kind, name, minIn, maxIn, nOut, attrs, cat, flags)                                 \
  {OpKind::kind, name,                                                                             \
   minIn,        maxIn,                                                                            \
   nOut,         OpCategory::cat,                                                                  \
   flags,        VariantIndex<attrs, Attrs>::value},
#include "compiler/ir/ops.def"
#undef LLIE_OP
}};
} // namespace

const OpInfo& opInfo(OpKind k) {
  return kTable[static_cast<size_t>(k)];
}

std::optional<OpKind> opFromName(std::string_view name) {
  for (auto& i : kTable)
    if (name == i.name) return i.kind;
  return std::nullopt;
}

const char* categoryName(OpCategory c) {
  switch (c) {
  case OpCategory::Source:
    return "source";
  case OpCategory::Elementwise:
    return "elementwise";
  case OpCategory::ConvLike:
    return "conv-like";
  case OpCategory::Reduction:
    return "reduction";
  case OpCategory::DataMovement:
    return "data-movement";
  case OpCategory::Opaque:
    return "opaque";
  case OpCategory::Loss:
    return "loss";
  }
  return "?";
}

Attrs defaultAttrs(OpKind k) {
  // Where an op's default differs from its attribute struct's: l2_normalize's eps is
  // F.normalize's 1e-12 (the norms' 1e-5 would change the result for small vectors).
  if (k == OpKind::L2Normalize) {
    NormAttrs a;
    a.eps = 1e-12;
    return a;
  }
  switch (k) {
#define LLIE_OP(kind, name, minIn, maxIn, nOut, attrs, cat, flags)                                 \
  case OpKind::kind:                                                                               \
    return attrs{};
#include "compiler/ir/ops.def"
#undef LLIE_OP
  }
  return NoAttrs{};
}

} // namespace llie
