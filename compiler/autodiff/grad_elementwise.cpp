// Gradient rules of the elementwise ops. Unary activations become one `unary_grad(x, dy)` node
// carrying the op's name and parameters (a backend evaluates f'(x)·dy in one pass); binary ops
// are written with existing ops and undo broadcasting explicitly (GradBuilder::unbroadcast).
// Ties follow PyTorch: maximum/minimum split the gradient evenly where a == b.
#include "compiler/autodiff/grad_builder.h"

namespace llie {
namespace {

Status unaryRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  UnaryGradAttrs a{opName(n.op)};
  if (n.op == OpKind::LeakyRelu) a.alpha = attrsOf<LeakyReluAttrs>(n).alpha;
  if (n.op == OpKind::PowScalar) a.alpha = attrsOf<PowScalarAttrs>(n).exponent;
  if (n.op == OpKind::Clamp) {
    a.alpha = attrsOf<ClampAttrs>(n).lo;
    a.beta = attrsOf<ClampAttrs>(n).hi;
  }
  // relu and relu6 pass dy where 0 < x (< 6), which is exactly where 0 < y (< 6) for their
  // output y: reading y lets x die in the forward pass (y is kept anyway when a conv reads it).
  bool masksOnOutput = n.op == OpKind::Relu || n.op == OpKind::Relu6;
  dx[0] = b.op(OpKind::UnaryGrad, a, {masksOnOutput ? n.outputs[0] : n.inputs[0], q.dy[0]});
  return Status::ok();
}

Status negRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.op(OpKind::Neg, {q.dy[0]});
  return Status::ok();
}

Status addSubRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  if (q.need[0]) dx[0] = b.unbroadcast(q.dy[0], b.type(n.inputs[0]));
  if (q.need[1]) {
    ValueId d = n.op == OpKind::Sub ? b.op(OpKind::Neg, {q.dy[0]}) : q.dy[0];
    dx[1] = b.unbroadcast(d, b.type(n.inputs[1]));
  }
  return Status::ok();
}

Status mulRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId x = n.inputs[0], y = n.inputs[1];
  if (q.need[0]) dx[0] = b.unbroadcast(b.op(OpKind::Mul, {q.dy[0], y}), b.type(x));
  if (q.need[1]) dx[1] = b.unbroadcast(b.op(OpKind::Mul, {q.dy[0], x}), b.type(y));
  return Status::ok();
}

// out = a / b: da = dy / b, db = -dy·out / b.
Status divRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId a = n.inputs[0], d = n.inputs[1], out = n.outputs[0];
  if (q.need[0]) dx[0] = b.unbroadcast(b.op(OpKind::Div, {q.dy[0], d}), b.type(a));
  if (q.need[1]) {
    ValueId t = b.op(OpKind::Div, {b.op(OpKind::Mul, {q.dy[0], out}), d});
    dx[1] = b.unbroadcast(b.op(OpKind::Neg, {t}), b.type(d));
  }
  return Status::ok();
}

// out = a^e: da = dy·e·a^(e-1), de = dy·out·log(a).
Status powRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId a = n.inputs[0], e = n.inputs[1], out = n.outputs[0];
  if (q.need[0]) {
    ValueId em1 = b.op(OpKind::Sub, {e, b.scalar(1.0)});
    ValueId t = b.op(OpKind::Mul, {b.op(OpKind::Mul, {q.dy[0], e}), b.op(OpKind::Pow, {a, em1})});
    dx[0] = b.unbroadcast(t, b.type(a));
  }
  if (q.need[1]) {
    ValueId t = b.op(OpKind::Mul, {b.op(OpKind::Mul, {q.dy[0], out}), b.op(OpKind::Log, {a})});
    dx[1] = b.unbroadcast(t, b.type(e));
  }
  return Status::ok();
}

// maximum (minimum with the comparison flipped): the larger input takes dy, ties split it.
Status minMaxRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId a = n.inputs[0], c = n.inputs[1], dy = q.dy[0];
  OpKind wins = n.op == OpKind::Maximum ? OpKind::Greater : OpKind::Less;
  ValueId zero = b.scalar(0.0);
  ValueId half = b.op(OpKind::Mul, {dy, b.scalar(0.5)});
  ValueId tie = b.op(OpKind::Equal, {a, c});
  auto side = [&](ValueId mine, ValueId other) {
    ValueId win = b.op(wins, {mine, other});
    return b.op(OpKind::Where, {win, dy, b.op(OpKind::Where, {tie, half, zero})});
  };
  if (q.need[0]) dx[0] = b.unbroadcast(side(a, c), b.type(a));
  if (q.need[1]) dx[1] = b.unbroadcast(side(c, a), b.type(c));
  return Status::ok();
}

// atan2(a, c): da = dy·c/(a²+c²), dc = -dy·a/(a²+c²).
Status atan2Rule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId a = n.inputs[0], c = n.inputs[1];
  ValueId r2 = b.op(OpKind::Add, {b.op(OpKind::Square, {a}), b.op(OpKind::Square, {c})});
  ValueId s = b.op(OpKind::Div, {q.dy[0], r2});
  if (q.need[0]) dx[0] = b.unbroadcast(b.op(OpKind::Mul, {s, c}), b.type(a));
  if (q.need[1])
    dx[1] = b.unbroadcast(b.op(OpKind::Neg, {b.op(OpKind::Mul, {s, a})}), b.type(c));
  return Status::ok();
}

// prelu(x, slope) (slope broadcast NumPy-style, as the forward does): dx = dy where x > 0
// else slope·dy; dslope = the sum of x·dy where x <= 0.
Status preluRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId x = n.inputs[0], slope = n.inputs[1], dy = q.dy[0];
  ValueId pos = b.op(OpKind::Greater, {x, b.scalar(0.0)});
  if (q.need[0])
    dx[0] = b.unbroadcast(b.op(OpKind::Where, {pos, dy, b.op(OpKind::Mul, {dy, slope})}),
                          b.type(x));
  if (q.need[1]) {
    ValueId t = b.op(OpKind::Where, {pos, b.scalar(0.0), b.op(OpKind::Mul, {dy, x})});
    dx[1] = b.unbroadcast(t, b.type(slope));
  }
  return Status::ok();
}

Status whereRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  ValueId c = n.inputs[0], zero = b.scalar(0.0);
  if (q.need[1])
    dx[1] = b.unbroadcast(b.op(OpKind::Where, {c, q.dy[0], zero}), b.type(n.inputs[1]));
  if (q.need[2])
    dx[2] = b.unbroadcast(b.op(OpKind::Where, {c, zero, q.dy[0]}), b.type(n.inputs[2]));
  return Status::ok();
}

} // namespace

GradRule elementwiseGradRule(OpKind op) {
  switch (op) {
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
  case OpKind::Silu:
  case OpKind::Gelu:
  case OpKind::Exp:
  case OpKind::Log:
  case OpKind::Sqrt:
  case OpKind::Abs:
  case OpKind::Square:
  case OpKind::PowScalar:
  case OpKind::Clamp:
  case OpKind::Sin:
  case OpKind::Cos:
  case OpKind::Acos:
    return unaryRule;
  case OpKind::Neg:
    return negRule;
  case OpKind::Add:
  case OpKind::Sub:
    return addSubRule;
  case OpKind::Mul:
    return mulRule;
  case OpKind::Div:
    return divRule;
  case OpKind::Pow:
    return powRule;
  case OpKind::Maximum:
  case OpKind::Minimum:
    return minMaxRule;
  case OpKind::Atan2:
    return atan2Rule;
  case OpKind::Prelu:
    return preluRule;
  case OpKind::Where:
    return whereRule;
  default:
    return nullptr;
  }
}

} // namespace llie
