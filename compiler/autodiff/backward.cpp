// Reverse-mode differentiation (see backward.h).
#include "compiler/autodiff/backward.h"
#include "compiler/autodiff/grad_builder.h"

namespace llie {

Expected<std::vector<ValueId>> appendBackward(Graph& g, ValueId loss,
                                              const std::vector<ValueId>& wrt) {
  if (!g.type(loss).shape.empty()) return Status::error("internal: the loss is not a scalar");
  // Forward: which values depend on a requested one through differentiable ops.
  std::vector<bool> depends(g.values.size(), false);
  for (ValueId v : wrt) depends[v] = true;
  const size_t forwardNodes = g.nodes.size();
  for (size_t i = 0; i < forwardNodes; ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || !opIsDifferentiable(n.op)) continue;
    bool any = false;
    for (ValueId v : n.inputs) any |= depends[v];
    if (any)
      for (ValueId v : n.outputs) depends[v] = true;
  }
  std::vector<ValueId> grad(g.values.size(), kNoValue);
  if (!depends[loss]) return std::vector<ValueId>(wrt.size(), kNoValue);
  {
    GradBuilder seed(g, g.producer(loss).span());
    grad[loss] = seed.scalar(1.0);
  }
  for (size_t i = forwardNodes; i-- > 0;) {
    if (g.nodes[i].dead) continue;
    const Node n = g.nodes[i]; // a copy: rules append to g.nodes
    std::vector<ValueId> dy;
    bool anyDy = false;
    for (ValueId v : n.outputs) {
      dy.push_back(grad.size() > static_cast<size_t>(v) ? grad[v] : kNoValue);
      anyDy |= dy.back() != kNoValue;
    }
    std::vector<bool> need;
    bool anyNeed = false;
    for (ValueId v : n.inputs) {
      need.push_back(depends[v]);
      anyNeed |= depends[v];
    }
    if (!anyDy || !anyNeed || !opIsDifferentiable(n.op)) continue;
    GradRule rule = gradRuleFor(n.op);
    if (!rule)
      return Status::error(std::string("op '") + opName(n.op) +
                               "' has no gradient rule yet, so this model cannot be trained",
                           n.span(), {"wrap the value in stop_grad(...) if no gradient should flow"});
    GradBuilder b(g, n.span());
    std::vector<ValueId> dx(n.inputs.size(), kNoValue);
    LLIE_RETURN_IF_ERROR(rule(b, GradQuery{n, dy, need}, dx));
    LLIE_RETURN_IF_ERROR(b.status());
    grad.resize(g.values.size(), kNoValue);
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      ValueId v = n.inputs[k];
      if (dx[k] == kNoValue || !need[k]) continue;
      if (!(g.type(dx[k]).shape == g.type(v).shape))
        return Status::error(std::string("internal: the gradient rule of '") + opName(n.op) +
                                 "' made a gradient of shape " +
                                 shapeToString(g.type(dx[k]).shape, g.symbols) + " for input " +
                                 std::to_string(k) + " of shape " +
                                 shapeToString(g.type(v).shape, g.symbols),
                             n.span());
      grad[v] = grad[v] == kNoValue ? dx[k] : b.op(OpKind::Add, {grad[v], dx[k]});
    }
    LLIE_RETURN_IF_ERROR(b.status());
  }
  std::vector<ValueId> out;
  for (ValueId v : wrt) out.push_back(grad[v]);
  return out;
}

} // namespace llie
