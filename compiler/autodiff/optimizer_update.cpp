// Clipping and optimizer updates as nodes (see optimizer_update.h).
#include "compiler/autodiff/optimizer_update.h"
#include "compiler/autodiff/grad_builder.h"
#include "compiler/autodiff/loss_gradients.h"
#include "compiler/autodiff/training_mode.h"

#include <algorithm>

namespace llie {

ValueId scalarInput(Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Input && attrsOf<InputAttrs>(n).name == name)
      return n.outputs[0];
  ValueId v = g.add(OpKind::Input, InputAttrs{name}, {}, {DType::F32, {}});
  g.value(v).name = name;
  return v;
}

namespace {

ValueId addState(Graph& g, const std::string& name, const TensorType& t) {
  ValueId v = g.add(OpKind::State, ParamAttrs{name, InitKind::Zeros}, {}, t);
  g.value(v).name = name;
  return v;
}

// grads · min(1, maxNorm / (‖grads‖₂ + 1e-6)).
std::vector<ValueId> clipByGlobalNorm(GradBuilder& b, const std::vector<ParamGrad>& grads,
                                      double maxNorm) {
  ValueId total = kNoValue;
  for (auto& pg : grads) {
    ValueId s = b.op(OpKind::ReduceSum, ReduceAttrs{}, {b.op(OpKind::Square, {pg.grad})});
    total = total == kNoValue ? s : b.op(OpKind::Add, {total, s});
  }
  ValueId norm = b.op(OpKind::Add, {b.op(OpKind::Sqrt, {total}), b.scalar(1e-6)});
  ValueId coef =
      b.op(OpKind::Minimum, {b.op(OpKind::Div, {b.scalar(maxNorm), norm}), b.scalar(1.0)});
  std::vector<ValueId> out;
  for (auto& pg : grads)
    out.push_back(b.op(OpKind::Mul, {pg.grad, coef}));
  return out;
}

} // namespace

Status appendOptimizer(Graph& g, const std::vector<ParamGrad>& grads, const TrainConfig& cfg) {
  if (grads.empty()) return Status::ok();
  ValueId lr = scalarInput(g, "lr");
  ValueId step = scalarInput(g, "step");
  GradBuilder b(g, {});
  std::vector<ValueId> gs;
  if (cfg.clipGradNorm > 0) {
    gs = clipByGlobalNorm(b, grads, cfg.clipGradNorm);
  } else {
    for (auto& pg : grads)
      gs.push_back(pg.grad);
  }
  const OptimizerConfig& o = cfg.optimizer;
  for (size_t i = 0; i < grads.size(); ++i) {
    const Node pn = g.nodes[grads[i].param];
    const std::string& name = attrsOf<ParamAttrs>(pn).name;
    ValueId p = pn.outputs[0];
    const TensorType t = g.type(p);
    GradBuilder pb(g, pn.span());
    std::vector<ValueId> states, outs;
    if (o.kind == OptimizerKind::Sgd) {
      SgdAttrs a{o.momentum, o.dampening, o.weightDecay, o.nesterov};
      ValueId buf = o.momentum != 0 ? addState(g, "opt." + name + ".momentum_buffer", t) : gs[i];
      outs = pb.ops(OpKind::SgdUpdate, a, {p, gs[i], buf, lr, step});
      if (o.momentum != 0) states = {buf};
    } else {
      AdamAttrs a{o.beta1, o.beta2, o.eps, o.weightDecay, o.kind == OptimizerKind::AdamW};
      ValueId m = addState(g, "opt." + name + ".exp_avg", t);
      ValueId v = addState(g, "opt." + name + ".exp_avg_sq", t);
      outs = pb.ops(OpKind::AdamUpdate, a, {p, gs[i], m, v, lr, step});
      states = {m, v};
    }
    LLIE_RETURN_IF_ERROR(pb.status());
    g.add(OpKind::Assign, NoAttrs{}, {p, outs[0]}, t, pn.span());
    for (size_t k = 0; k < states.size(); ++k)
      g.add(OpKind::Assign, NoAttrs{}, {states[k], outs[k + 1]}, t, pn.span());
  }
  return b.status();
}

Expected<int> updateParameters(Graph& g, bool keepGradientOutputs) {
  const std::string prefix = kGradOutputPrefix;
  auto isGrad = [&](const GraphOutput& o) { return o.name.rfind(prefix, 0) == 0; };
  std::vector<ParamGrad> grads;
  for (const GraphOutput& o : g.outputs) {
    if (!isGrad(o)) continue;
    NodeId p = g.findParam(o.name.substr(prefix.size()));
    if (p < 0 || g.nodes[p].op != OpKind::Param)
      return Status::error("internal: the gradient output '" + o.name + "' names no parameter");
    grads.push_back({p, o.value});
  }
  LLIE_RETURN_IF_ERROR(appendOptimizer(g, grads, g.train));
  if (!keepGradientOutputs) std::erase_if(g.outputs, isGrad);
  moveAssignsLast(g);
  return static_cast<int>(grads.size());
}

} // namespace llie
