// Gradient rules of the per-group normalisations (instancenorm, layernorm, l2_normalize) and of
// drop_path's training form. The norms' gradients are composed from ordinary ops: the group
// statistics are recomputed from x (mean, centred square, (var + eps)^-1/2) and
//   dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)),  g = dy · gamma,
//   dgamma = Σ dy · x̂,  dbeta = Σ dy  (over every axis but the channel one);
// instancenorm on the first `channels` channels only passes dy through on the rest. l2_normalize:
// y = x / max(‖x‖, eps) gives dx = (dy − y · Σ dy·y [‖x‖ > eps]) / max(‖x‖, eps).
// drop_path_train is linear in x with a mask fixed by (seed, step, sample): dx applies the same
// op to dy.
#include "compiler/autodiff/grad_builder.h"

#include <numeric>

namespace llie {
namespace {

struct Stats {
  ValueId xhat = kNoValue, rstd = kNoValue;
};

// x̂ and (var + eps)^-1/2 of x over `axes` (kept as size-1 axes), biased variance.
Stats normalise(GradBuilder& b, ValueId x, const std::vector<int64_t>& axes, double eps) {
  ReduceAttrs over{axes, true};
  ValueId xc = b.op(OpKind::Sub, {x, b.op(OpKind::ReduceMean, over, {x})});
  ValueId var = b.op(OpKind::ReduceMean, over, {b.op(OpKind::Square, {xc})});
  Stats s;
  s.rstd = b.op(OpKind::PowScalar, PowScalarAttrs{-0.5}, {b.op(OpKind::Add, {var, b.scalar(eps)})});
  s.xhat = b.op(OpKind::Mul, {xc, s.rstd});
  return s;
}

// The input gradient of y = gamma·x̂ + beta, with gamma already shaped to broadcast against x.
ValueId normInputGrad(GradBuilder& b, const Stats& s, ValueId dy, ValueId gamma,
                      const std::vector<int64_t>& axes) {
  ReduceAttrs over{axes, true};
  ValueId g = b.op(OpKind::Mul, {dy, gamma});
  ValueId centred = b.op(OpKind::Sub, {g, b.op(OpKind::ReduceMean, over, {g})});
  ValueId proj = b.op(OpKind::ReduceMean, over, {b.op(OpKind::Mul, {g, s.xhat})});
  ValueId inner = b.op(OpKind::Sub, {centred, b.op(OpKind::Mul, {s.xhat, proj})});
  return b.op(OpKind::Mul, {inner, s.rstd});
}

// The three gradients of an affine normalisation over `axes`; `gammaShape` broadcasts gamma
// against x, `paramAxes` are the axes summed for dgamma and dbeta.
void affineNormGrads(GradBuilder& b, const GradQuery& q, ValueId x, ValueId dy, double eps,
                     const std::vector<int64_t>& axes, const Shape& gammaShape,
                     const std::vector<int64_t>& paramAxes, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  Stats s = normalise(b, x, axes, eps);
  if (q.need[0]) {
    ValueId gamma = b.reshape(n.inputs[1], gammaShape);
    dx[0] = normInputGrad(b, s, dy, gamma, axes);
  }
  ReduceAttrs sum{paramAxes, false};
  if (q.need[1]) dx[1] = b.op(OpKind::ReduceSum, sum, {b.op(OpKind::Mul, {dy, s.xhat})});
  if (q.need[2]) dx[2] = b.op(OpKind::ReduceSum, sum, {dy});
}

std::vector<int64_t> axesFrom(int64_t first, int64_t rank) {
  std::vector<int64_t> a(static_cast<size_t>(std::max<int64_t>(rank - first, 0)));
  std::iota(a.begin(), a.end(), first);
  return a;
}

// instancenorm(x, gamma, beta): per (n, c) over the axes after 1; with `channels` > 0 only the
// first `channels` channels are normalised and the rest pass through (dy flows unchanged).
Status instanceNormRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& a = attrsOf<NormAttrs>(n);
  const Shape xs = b.type(n.inputs[0]).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  const Dim c = b.type(n.inputs[1]).shape[0];
  const bool part = a.channels > 0 && !(xs[1] == c);
  ValueId x = n.inputs[0], dy = q.dy[0];
  if (part) {
    SliceAttrs head{1, Dim::constant(0), c, 1};
    x = b.op(OpKind::Slice, head, {x});
    dy = b.op(OpKind::Slice, head, {q.dy[0]});
  }
  Shape gammaShape(static_cast<size_t>(rank - 1), Dim::constant(1));
  gammaShape[0] = c;
  std::vector<int64_t> paramAxes = axesFrom(2, rank);
  paramAxes.insert(paramAxes.begin(), 0);
  affineNormGrads(b, q, x, dy, a.eps, axesFrom(2, rank), gammaShape, paramAxes, dx);
  if (part && q.need[0]) {
    ValueId rest = b.op(OpKind::Slice, SliceAttrs{1, c, xs[1], 1}, {q.dy[0]});
    dx[0] = b.op(OpKind::Concat, AxisAttrs{1}, {dx[0], rest});
  }
  return Status::ok();
}

// layernorm(x, gamma, beta) over the last axis.
Status layerNormRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const int64_t rank = static_cast<int64_t>(b.type(n.inputs[0]).shape.size());
  const Shape gammaShape = b.type(n.inputs[1]).shape;
  affineNormGrads(b, q, n.inputs[0], q.dy[0], attrsOf<NormAttrs>(n).eps, {rank - 1}, gammaShape,
                  axesFrom(0, rank - 1), dx);
  return Status::ok();
}

// l2_normalize(x) along `axis`: y = x / max(‖x‖, eps) (PyTorch's F.normalize, whose clamp passes
// no gradient to the norm below eps).
Status l2NormalizeRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& a = attrsOf<NormAttrs>(n);
  ReduceAttrs along{{a.axis}, true};
  ValueId x = n.inputs[0], y = n.outputs[0], dy = q.dy[0];
  ValueId norm = b.op(OpKind::Sqrt, {b.op(OpKind::ReduceSum, along, {b.op(OpKind::Square, {x})})});
  ValueId eps = b.scalar(a.eps);
  ValueId denom = b.op(OpKind::Maximum, {norm, eps});
  ValueId proj = b.op(OpKind::ReduceSum, along, {b.op(OpKind::Mul, {dy, y})});
  ValueId live = b.op(OpKind::Where, {b.op(OpKind::Greater, {norm, eps}), proj, b.scalar(0.0)});
  ValueId inner = b.op(OpKind::Sub, {dy, b.op(OpKind::Mul, {y, live})});
  dx[0] = b.op(OpKind::Div, {inner, denom});
  return Status::ok();
}

// drop_path_train(x, step): the same mask and scale applied to dy; step has no gradient.
Status dropPathTrainRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  if (q.need[1])
    return Status::error("internal: drop_path_train's step depends on a parameter", n.span());
  dx[0] = b.op(OpKind::DropPathTrain, n.attrs, {q.dy[0], n.inputs[1]});
  return Status::ok();
}

} // namespace

GradRule normGradRule(OpKind op) {
  switch (op) {
  case OpKind::InstanceNorm:
    return instanceNormRule;
  case OpKind::LayerNorm:
    return layerNormRule;
  case OpKind::L2Normalize:
    return l2NormalizeRule;
  case OpKind::DropPathTrain:
    return dropPathTrainRule;
  default:
    return nullptr;
  }
}

} // namespace llie
