// Gradient rules of the FFT and complex ops (rfft2, irfft2, complex_abs, complex_angle, polar).
// Complex gradients follow PyTorch's convention dRe + i·dIm. Each rule is one gradient node of
// ops.def's "gradients" section; polar's two gradients come from one polar_grad node and are
// summed back over the axes polar broadcast. When a spectrum feeds several consumers (abs and
// angle in a FreBlock) the backward pass adds their complex gradients with a c64 `add`.
#include "compiler/autodiff/grad_builder.h"

namespace llie {
namespace {

// rfft2: dx = Re(IDFT(dz zero-filled to width W)), unnormalised.
Status rfft2Rule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Shape xs = b.type(q.node.inputs[0]).shape;
  FftAttrs a{{xs[xs.size() - 2], xs[xs.size() - 1]}};
  dx[0] = b.op(OpKind::Rfft2Grad, a, {q.dy[0]});
  return Status::ok();
}

// irfft2: dz = rfft2(dy)/(HW) with the interior columns doubled.
Status irfft2Rule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.op(OpKind::Irfft2Grad, {q.dy[0]});
  return Status::ok();
}

Status complexAbsRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.op(OpKind::ComplexAbsGrad, {q.node.inputs[0], q.dy[0]});
  return Status::ok();
}

Status complexAngleRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.op(OpKind::ComplexAngleGrad, {q.node.inputs[0], q.dy[0]});
  return Status::ok();
}

Status polarRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  std::vector<ValueId> g = b.ops(OpKind::PolarGrad, NoAttrs{}, {n.inputs[0], n.inputs[1], q.dy[0]});
  for (size_t i = 0; i < 2; ++i)
    if (q.need[i]) dx[i] = b.unbroadcast(g[i], b.type(n.inputs[i]));
  return Status::ok();
}

} // namespace

GradRule complexGradRule(OpKind op) {
  switch (op) {
  case OpKind::Rfft2:
    return rfft2Rule;
  case OpKind::Irfft2:
    return irfft2Rule;
  case OpKind::ComplexAbs:
    return complexAbsRule;
  case OpKind::ComplexAngle:
    return complexAngleRule;
  case OpKind::Polar:
    return polarRule;
  default:
    return nullptr;
  }
}

} // namespace llie
