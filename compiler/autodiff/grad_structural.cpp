// Gradient rules of reductions, softmax, data movement and the losses. Most are
// other data-movement ops run backwards (reshape back, the inverse permutation, slices of a
// concat's gradient); sum/mean broadcast back with `reduce_grad`; max/min send the gradient to
// every element equal to the extreme; pad and slice have adjoint nodes.
#include "compiler/autodiff/grad_builder.h"

#include <numeric>

namespace llie {
namespace {

Status sumMeanRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& r = attrsOf<ReduceAttrs>(n);
  ReduceGradAttrs a{r.axes, r.keepdim, n.op == OpKind::ReduceMean, b.type(n.inputs[0]).shape};
  dx[0] = b.op(OpKind::ReduceGrad, a, {q.dy[0]});
  return Status::ok();
}

Status maxMinRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& r = attrsOf<ReduceAttrs>(n);
  const Shape xs = b.type(n.inputs[0]).shape;
  ValueId y = r.keepdim ? n.outputs[0] : b.keepdims(n.outputs[0], xs, r.axes);
  ValueId dy = r.keepdim ? q.dy[0] : b.keepdims(q.dy[0], xs, r.axes);
  ValueId hit = b.op(OpKind::Equal, {n.inputs[0], y});
  dx[0] = b.op(OpKind::Where, {hit, dy, b.scalar(0.0)});
  dx[0] = b.unbroadcast(dx[0], b.type(n.inputs[0]));
  return Status::ok();
}

// softmax: dx = y·(dy − Σ dy·y); log_softmax: dx = dy − exp(y)·Σ dy (sums over the axes).
Status softmaxRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ReduceAttrs keep = attrsOf<ReduceAttrs>(n);
  keep.keepdim = true;
  ValueId y = n.outputs[0], dy = q.dy[0];
  if (n.op == OpKind::Softmax) {
    ValueId s = b.op(OpKind::ReduceSum, keep, {b.op(OpKind::Mul, {dy, y})});
    dx[0] = b.op(OpKind::Mul, {y, b.op(OpKind::Sub, {dy, s})});
  } else {
    ValueId s = b.op(OpKind::ReduceSum, keep, {dy});
    dx[0] = b.op(OpKind::Sub, {dy, b.op(OpKind::Mul, {b.op(OpKind::Exp, {y}), s})});
  }
  return Status::ok();
}

Status pixelShuffleRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  OpKind inv = q.node.op == OpKind::PixelShuffle ? OpKind::PixelUnshuffle : OpKind::PixelShuffle;
  dx[0] = b.op(inv, q.node.attrs, {q.dy[0]});
  return Status::ok();
}

Status concatRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  int64_t rank = static_cast<int64_t>(b.type(n.outputs[0]).shape.size());
  int64_t axis = attrsOf<AxisAttrs>(n).axis;
  if (axis < 0) axis += rank;
  Dim start = Dim::constant(0);
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Dim len = b.type(n.inputs[i]).shape[axis];
    auto stop = dimAddDim(start, len);
    if (!stop)
      return Status::error("gradient of concat: cannot add the symbolic sizes along the axis",
                           n.span());
    if (q.need[i]) dx[i] = b.op(OpKind::Slice, SliceAttrs{axis, start, *stop, 1}, {q.dy[0]});
    start = *stop;
  }
  return Status::ok();
}

Status adjointRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  OpKind k = q.node.op == OpKind::Slice ? OpKind::SliceGrad : OpKind::PadGrad;
  dx[0] = b.op(k, q.node.attrs, {q.node.inputs[0], q.dy[0]});
  return Status::ok();
}

Status reshapeRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.reshape(q.dy[0], b.type(q.node.inputs[0]).shape);
  return Status::ok();
}

Status permuteRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const auto& p = attrsOf<PermuteAttrs>(q.node).perm;
  std::vector<int64_t> inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[p[i]] = static_cast<int64_t>(i);
  dx[0] = b.op(OpKind::Permute, PermuteAttrs{inv}, {q.dy[0]});
  return Status::ok();
}

Status expandRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.unbroadcast(q.dy[0], b.type(q.node.inputs[0]));
  return Status::ok();
}

// Pointwise losses: loss_grad gives d/da; the target's gradient is its negation (l1, mse,
// smooth l1 and huber depend on a − b only).
Status pointLossRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  LossGradAttrs a{opName(n.op), attrsOf<LossAttrs>(n).beta};
  ValueId da = b.op(OpKind::LossGrad, a, {n.inputs[0], n.inputs[1], q.dy[0]});
  if (q.need[0]) dx[0] = da;
  if (q.need[1]) dx[1] = b.op(OpKind::Neg, {da});
  return Status::ok();
}

Status bceRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  if (q.need[1])
    return Status::error("gradients with respect to bce_with_logits targets are not supported",
                         n.span());
  dx[0] = b.op(OpKind::LossGrad, LossGradAttrs{opName(n.op), 1.0},
               {n.inputs[0], n.inputs[1], q.dy[0]});
  return Status::ok();
}

// cross_entropy and kl_div: class_loss_grad gives d/d logits. Class indices have no gradient;
// a float target (CE's distribution, KL's teacher logits) is refused like bce's: in practice
// the teacher sits under stop_grad.
Status classLossRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& at = attrsOf<ClassLossAttrs>(n);
  if (q.need[1] && b.type(n.inputs[1]).dtype != DType::I64)
    return Status::error(std::string("gradients with respect to ") + opName(n.op) +
                             (n.op == OpKind::KlDiv ? "'s teacher logits" : "'s target") +
                             " are not supported",
                         n.span(), {"wrap the target in stop_grad(...)"});
  if (!q.need[0]) return Status::ok();
  ClassLossGradAttrs a{opName(n.op), at.axis, at.labelSmoothing, at.temperature};
  dx[0] = b.op(OpKind::ClassLossGrad, a, {n.inputs[0], n.inputs[1], q.dy[0]});
  return Status::ok();
}

} // namespace

GradRule structuralGradRule(OpKind op) {
  switch (op) {
  case OpKind::ReduceSum:
  case OpKind::ReduceMean:
    return sumMeanRule;
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
    return maxMinRule;
  case OpKind::Softmax:
  case OpKind::LogSoftmax:
    return softmaxRule;
  case OpKind::PixelShuffle:
  case OpKind::PixelUnshuffle:
    return pixelShuffleRule;
  case OpKind::Concat:
    return concatRule;
  case OpKind::Slice:
  case OpKind::Pad:
    return adjointRule;
  case OpKind::Reshape:
    return reshapeRule;
  case OpKind::Permute:
    return permuteRule;
  case OpKind::Expand:
    return expandRule;
  case OpKind::L1Loss:
  case OpKind::MseLoss:
  case OpKind::SmoothL1Loss:
  case OpKind::HuberLoss:
    return pointLossRule;
  case OpKind::BceWithLogits:
    return bceRule;
  case OpKind::CrossEntropy:
  case OpKind::KlDiv:
    return classLossRule;
  default:
    return nullptr;
  }
}

} // namespace llie
