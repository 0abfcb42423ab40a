// fuse-batchnorm-activation (see fuse_batchnorm_activation.h): two guard-clause rewrites, the
// forward activations first (the backward rewrite looks for their fused producers).
#include "compiler/passes/fuse_batchnorm_activation.h"
#include "compiler/passes/graph_rewrite.h"

namespace llie {
namespace {

bool isBatchNormForward(OpKind op) {
  return op == OpKind::BatchNorm || op == OpKind::BatchNormTrain;
}

/// The epilogue an activation node amounts to (None: it is not relu, relu6 or clamp(0, 6)).
Epilogue activationOf(const Node& n) {
  if (n.op == OpKind::Relu) return Epilogue::Relu;
  if (n.op == OpKind::Relu6) return Epilogue::Relu6;
  if (n.op == OpKind::Clamp) {
    const auto& c = attrsOf<ClampAttrs>(n);
    if (c.lo == 0.0 && c.hi == 6.0) return Epilogue::Relu6;
  }
  return Epilogue::None;
}

/// The epilogue whose gradient mask a unary_grad applies (None: another function; clamp's mask
/// includes its bounds, relu6's does not).
Epilogue maskOf(const Node& n) {
  const auto& a = attrsOf<UnaryGradAttrs>(n);
  if (a.op == "relu") return Epilogue::Relu;
  if (a.op == "relu6") return Epilogue::Relu6;
  return Epilogue::None;
}

/// batchnorm[_train] → activation: the activation becomes the batchnorm's epilogue.
int fuseForward(Graph& g) {
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& act = g.nodes[i];
    const Epilogue e = act.dead ? Epilogue::None : activationOf(act);
    if (e == Epilogue::None) continue;
    const ValueId y = act.inputs[0];
    Node& bn = g.nodes[g.value(y).producer];
    if (!isBatchNormForward(bn.op) || bn.outputs[0] != y) continue;
    if (attrsOf<NormAttrs>(bn).epilogue != Epilogue::None) continue;
    if (g.type(y).dtype != DType::F32 || soleUser(g, y) != static_cast<NodeId>(i)) continue;
    attrsOf<NormAttrs>(bn).epilogue = e;
    absorbConsumer(g, y, static_cast<NodeId>(i));
    ++fused;
  }
  return fused;
}

/// Whether the fused forward `fwd` computed act(y) from the x, gamma and statistics that
/// `grad` (a batchnorm_grad) reads; sets `beta` to the forward's.
bool sameNormalisation(const Node& fwd, const Node& grad, ValueId& beta) {
  if (attrsOf<NormAttrs>(fwd).eps != attrsOf<NormAttrs>(grad).eps ||
      attrsOf<NormAttrs>(fwd).axis != attrsOf<NormAttrs>(grad).axis)
    return false;
  if (fwd.inputs[0] != grad.inputs[0] || fwd.inputs[1] != grad.inputs[1]) return false;
  // batchnorm_train's statistics are its outputs; a recomputation reads them.
  const bool train = fwd.op == OpKind::BatchNormTrain;
  const ValueId mean = train ? fwd.outputs[1] : fwd.inputs[3];
  const ValueId var = train ? fwd.outputs[2] : fwd.inputs[4];
  if (mean != grad.inputs[2] || var != grad.inputs[3]) return false;
  beta = fwd.inputs[2];
  return true;
}

/// unary_grad{act}(act(y), dy) → batchnorm_grad(x, …, g): the mask moves into batchnorm_grad.
int fuseBackward(Graph& g) {
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& ug = g.nodes[i];
    if (ug.dead || ug.op != OpKind::UnaryGrad) continue;
    const Epilogue e = maskOf(ug);
    if (e == Epilogue::None) continue;
    const Node& fwd = g.producer(ug.inputs[0]);
    if (!isBatchNormForward(fwd.op) || fwd.outputs[0] != ug.inputs[0] ||
        attrsOf<NormAttrs>(fwd).epilogue != e)
      continue;
    const NodeId gradId = soleUser(g, ug.outputs[0]);
    if (gradId < 0) continue;
    Node& grad = g.nodes[gradId];
    ValueId beta = kNoValue;
    if (grad.op != OpKind::BatchNormGrad || grad.inputs.size() != 5 ||
        grad.inputs[4] != ug.outputs[0] || attrsOf<NormAttrs>(grad).epilogue != Epilogue::None ||
        !sameNormalisation(fwd, grad, beta))
      continue;
    attrsOf<NormAttrs>(grad).epilogue = e;
    grad.inputs[4] = ug.inputs[1];
    grad.inputs.push_back(beta);
    grad.spans.insert(grad.spans.end(), ug.spans.begin(), ug.spans.end());
    g.nodes[i].dead = true;
    ++fused;
  }
  return fused;
}

} // namespace

int fuseBatchNormActivation(Graph& g) {
  const int fused = fuseForward(g) + fuseBackward(g);
  if (fused) g.compact();
  return fused;
}

} // namespace llie
