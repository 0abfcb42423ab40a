// fuse-epilogue (see fuse_epilogue.h): guard clauses on producer -> activation pairs.
#include "compiler/passes/fuse_epilogue.h"
#include "compiler/passes/graph_rewrite.h"

#include <optional>

namespace llie {
namespace {

struct Activation {
  Epilogue kind;
  double alpha = 0.0; ///< leaky_relu's slope
};

/// The epilogue an activation node amounts to, if any.
std::optional<Activation> asEpilogue(const Node& n) {
  switch (n.op) {
  case OpKind::Relu:
    return Activation{Epilogue::Relu};
  case OpKind::Relu6:
    return Activation{Epilogue::Relu6};
  case OpKind::Sigmoid:
    return Activation{Epilogue::Sigmoid};
  case OpKind::Tanh:
    return Activation{Epilogue::Tanh};
  case OpKind::LeakyRelu:
    return Activation{Epilogue::LeakyRelu, attrsOf<LeakyReluAttrs>(n).alpha};
  case OpKind::Clamp: {
    const auto& c = attrsOf<ClampAttrs>(n);
    if (c.lo == 0.0 && c.hi == 6.0) return Activation{Epilogue::Relu6};
    return std::nullopt;
  }
  default:
    return std::nullopt;
  }
}

/// Sets the epilogue on a conv2d or matmul that has none; false when it cannot take this one.
bool setEpilogue(Node& producer, const Activation& act) {
  if (producer.op == OpKind::Conv2d) {
    auto& a = attrsOf<Conv2dAttrs>(producer);
    if (a.epilogue != Epilogue::None) return false;
    a.epilogue = act.kind;
    a.epilogueAlpha = act.alpha;
    return true;
  }
  if (producer.op == OpKind::MatMul) {
    auto& a = attrsOf<MatMulAttrs>(producer);
    if (a.epilogue != Epilogue::None || act.kind == Epilogue::LeakyRelu) return false;
    a.epilogue = act.kind;
    return true;
  }
  return false;
}

} // namespace

int fuseEpilogue(Graph& g) {
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& act = g.nodes[i];
    if (act.dead) continue;
    auto epi = asEpilogue(act);
    if (!epi) continue;
    ValueId x = act.inputs[0];
    Node& producer = g.nodes[g.value(x).producer];
    if (g.type(x).dtype != DType::F32 || soleUser(g, x) != static_cast<NodeId>(i)) continue;
    if (!setEpilogue(producer, *epi)) continue;
    absorbConsumer(g, x, static_cast<NodeId>(i));
    ++fused;
  }
  if (fused) g.compact();
  return fused;
}

} // namespace llie
