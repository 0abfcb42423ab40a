// GradBuilder (see grad_builder.h) and the dispatch from an op to its family's gradient rule.
#include "compiler/autodiff/grad_builder.h"
#include "compiler/ops/shape_rules.h"

#include <algorithm>

namespace llie {

std::vector<ValueId> GradBuilder::ops(OpKind k, Attrs a, std::vector<ValueId> inputs) {
  for (ValueId v : inputs)
    if (v == kNoValue) return std::vector<ValueId>(opInfo(k).numOutputs, kNoValue);
  std::vector<TensorType> ins;
  for (ValueId v : inputs) ins.push_back(g_.type(v));
  auto types = inferTypes(k, a, ins, g_.symbols);
  if (!types) {
    if (status_.ok())
      status_ = Status::error(std::string("internal: gradient node '") + opName(k) +
                                  "': " + types.status().message(),
                              span_);
    return std::vector<ValueId>(opInfo(k).numOutputs, kNoValue);
  }
  NodeId id = g_.addNode(k, std::move(a), std::move(inputs), *types, {span_});
  return g_.nodes[id].outputs;
}

ValueId GradBuilder::op(OpKind k, Attrs a, std::vector<ValueId> inputs) {
  return ops(k, std::move(a), std::move(inputs))[0];
}

ValueId GradBuilder::scalar(double v) {
  return g_.add(OpKind::Constant, ConstantAttrs{v}, {}, {DType::F32, {}}, span_);
}

ValueId GradBuilder::reshape(ValueId v, Shape shape) {
  if (v == kNoValue || g_.type(v).shape == shape) return v;
  return op(OpKind::Reshape, ReshapeAttrs{shape}, {v});
}

ValueId GradBuilder::unbroadcast(ValueId grad, TensorType target) {
  if (grad == kNoValue) return grad;
  const Shape gs = g_.type(grad).shape;
  const Shape& ts = target.shape;
  if (gs == ts) return grad;
  size_t lead = gs.size() - std::min(gs.size(), ts.size());
  std::vector<int64_t> axes;
  for (size_t i = 0; i < gs.size(); ++i) {
    if (i < lead) {
      axes.push_back(static_cast<int64_t>(i));
      continue;
    }
    const Dim& t = ts[i - lead];
    if (t.isConst() && t.off == 1 && !(gs[i].isConst() && gs[i].off == 1))
      axes.push_back(static_cast<int64_t>(i));
  }
  ValueId s = axes.empty() ? grad : op(OpKind::ReduceSum, ReduceAttrs{axes, true}, {grad});
  return reshape(s, ts);
}

ValueId GradBuilder::keepdims(ValueId v, Shape inputShape,
                              const std::vector<int64_t>& axes) {
  Shape s = inputShape;
  const int64_t r = static_cast<int64_t>(s.size());
  if (axes.empty())
    for (auto& d : s) d = Dim::constant(1);
  for (int64_t a : axes) s[a < 0 ? a + r : a] = Dim::constant(1);
  return reshape(v, s);
}

GradRule gradRuleFor(OpKind op) {
  if (GradRule r = elementwiseGradRule(op)) return r;
  if (GradRule r = spatialGradRule(op)) return r;
  if (GradRule r = normGradRule(op)) return r;
  if (GradRule r = complexGradRule(op)) return r;
  return structuralGradRule(op);
}

} // namespace llie
