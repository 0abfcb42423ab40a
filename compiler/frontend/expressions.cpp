// Elaboration of expressions: names, literals, operators (tensor ops, symbolic-size arithmetic,
// compile-time scalars, lists) and calls, which go to a block, a builtin or an op of the table.
#include "compiler/frontend/elaborator.h"

#include <cmath>

namespace llie {
namespace elab {

// ---- expressions -----------------------------------------------------------------------------

CValue Elaborator::lookup(const std::string& name, SourceSpan span) {
  // A block sees its own variables, then the graph's symbols (H, W, ...) and its file's lets.
  auto v = frame().vars.find(name);
  if (v != frame().vars.end()) {
    if (frames_.size() == 1) rootReads_.insert(name);
    return v->second;
  }
  int32_t sym = g_.symbols.find(name);
  if (sym >= 0) return CValue::ofDim(Dim::symbol(sym));
  // File-level lets of the module the current block lives in.
  if (const ast::Module* m = frame().module)
    for (auto& l : m->lets)
      if (l.name == name) return eval(*l.value);
  if (name == "step") return stepInput(span);
  std::vector<std::string> cands;
  for (auto& [k, val] : frame().vars)
    cands.push_back(k);
  std::string near = closestName(name, cands);
  error(span, "unknown name '" + name + "'",
        near.empty() ? std::vector<std::string>{}
                     : std::vector<std::string>{"did you mean '" + near + "'?"});
  return CValue::poison();
}

static std::optional<int64_t> intArith(ast::BinaryOp op, int64_t a, int64_t b) {
  using B = ast::BinaryOp;
  switch (op) {
  case B::Add:
    return a + b;
  case B::Sub:
    return a - b;
  case B::Mul:
    return a * b;
  case B::FloorDiv: {
    if (b == 0) return std::nullopt;
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
  case B::Mod: {
    if (b == 0) return std::nullopt;
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
  }
  case B::Pow: {
    if (b < 0) return std::nullopt;
    int64_t r = 1;
    for (int64_t k = 0; k < b; ++k)
      r *= a;
    return r;
  }
  default:
    return std::nullopt;
  }
}

CValue Elaborator::evalBinary(const ast::Expr& e) {
  using B = ast::BinaryOp;
  B op = e.binaryOp;
  if (op == B::And || op == B::Or) {
    CValue l = eval(*e.operands[0]);
    if (l.kind == CValue::Poison) return l;
    if (l.kind != CValue::Bool) {
      error(e.span,
            std::string(op == B::And ? "'and'" : "'or'") + " needs bools, got " + kindName(l),
            {"for tensors use where() or comparisons combined with mul"});
      return CValue::poison();
    }
    if (op == B::And && !l.b) return l;
    if (op == B::Or && l.b) return l;
    CValue r = eval(*e.operands[1]);
    if (r.kind != CValue::Bool && r.kind != CValue::Poison) {
      error(e.operands[1]->span, "expected a bool, got " + kindName(r));
      return CValue::poison();
    }
    return r;
  }
  CValue l = eval(*e.operands[0]);
  CValue r = eval(*e.operands[1]);
  if (l.kind == CValue::Poison || r.kind == CValue::Poison) return CValue::poison();

  // Tensor arithmetic: emit ops, numbers become scalar constants.
  if (l.kind == CValue::Tensor || r.kind == CValue::Tensor) {
    if (op == B::Pow && r.isNumber() && l.kind == CValue::Tensor) {
      if (r.number() == 2.0) return emit(OpKind::Square, NoAttrs{}, {l.t}, e.span);
      return emit(OpKind::PowScalar, PowScalarAttrs{r.number()}, {l.t}, e.span);
    }
    if (op == B::MatMul) {
      if (l.kind != CValue::Tensor || r.kind != CValue::Tensor) {
        error(e.span, "'@' needs two tensors");
        return CValue::poison();
      }
      return emit(OpKind::MatMul, MatMulAttrs{}, {l.t, r.t}, e.span);
    }
    OpKind k;
    switch (op) {
    case B::Add:
      k = OpKind::Add;
      break;
    case B::Sub:
      k = OpKind::Sub;
      break;
    case B::Mul:
      k = OpKind::Mul;
      break;
    case B::Div:
      k = OpKind::Div;
      break;
    case B::Pow:
      k = OpKind::Pow;
      break;
    case B::Eq:
      k = OpKind::Equal;
      break;
    case B::Lt:
      k = OpKind::Less;
      break;
    case B::Le:
      k = OpKind::LessEqual;
      break;
    case B::Gt:
      k = OpKind::Greater;
      break;
    case B::Ge:
      k = OpKind::GreaterEqual;
      break;
    default:
      error(e.span, "this operator is not defined for tensors",
            {"tensors support + - * / ** @ and comparisons"});
      return CValue::poison();
    }
    CValue lt = toTensor(l, e.operands[0]->span, "the left operand");
    CValue rt = toTensor(r, e.operands[1]->span, "the right operand");
    if (lt.kind == CValue::Poison || rt.kind == CValue::Poison) return CValue::poison();
    return emit(k, NoAttrs{}, {lt.t, rt.t}, e.span);
  }

  // Symbolic sizes: affine arithmetic with ints.
  if ((l.kind == CValue::Sym && r.isIntLike()) ||
      (r.kind == CValue::Sym && l.kind == CValue::Int)) {
    Dim a = l.asDim(), b = r.asDim();
    std::optional<Dim> out;
    switch (op) {
    case B::Add:
      out = dimAddDim(a, b);
      break;
    case B::Sub:
      out = dimSubDim(a, b);
      break;
    case B::Mul:
      if (b.isConst())
        out = dimMul(a, b.off);
      else if (a.isConst())
        out = dimMul(b, a.off);
      break;
    case B::Div:
      if (b.isConst() && b.off > 0) out = dimExactDiv(a, b.off, g_.symbols);
      if (!out && b.isConst() && b.off > 0) {
        error(e.span,
              dimToString(a, g_.symbols) + " is not known to be divisible by " +
                  std::to_string(b.off),
              {"add `require " + g_.symbols.names[a.sym] + " % " +
               std::to_string(divisorNeeded(a, b.off, g_.symbols)) +
               " == 0`, or use // to round down"});
        return CValue::poison();
      }
      break;
    case B::FloorDiv:
      if (b.isConst() && b.off > 0) out = dimFloorDiv(a, b.off, g_.symbols);
      break;
    case B::Eq:
      return CValue::ofBool(a == b);
    case B::Ne:
      return CValue::ofBool(!(a == b));
    default:
      break;
    }
    if (!out) {
      error(e.span,
            "cannot compute this with the symbolic size " +
                dimToString(l.kind == CValue::Sym ? l.dim : r.dim, g_.symbols),
            {"symbolic sizes support + and - with sizes, * and / by constants"});
      return CValue::poison();
    }
    return CValue::ofDim(*out);
  }

  // Compile-time scalars.
  if (l.kind == CValue::Int && r.kind == CValue::Int) {
    switch (op) {
    case B::Eq:
      return CValue::ofBool(l.i == r.i);
    case B::Ne:
      return CValue::ofBool(l.i != r.i);
    case B::Lt:
      return CValue::ofBool(l.i < r.i);
    case B::Le:
      return CValue::ofBool(l.i <= r.i);
    case B::Gt:
      return CValue::ofBool(l.i > r.i);
    case B::Ge:
      return CValue::ofBool(l.i >= r.i);
    case B::Div:
      if (r.i == 0) break;
      return CValue::ofFloat(static_cast<double>(l.i) / static_cast<double>(r.i));
    default: {
      auto v = intArith(op, l.i, r.i);
      if (v) return CValue::ofInt(*v);
      break;
    }
    }
    error(e.span, "invalid integer arithmetic (division by zero or negative power)");
    return CValue::poison();
  }
  if (l.isNumber() && r.isNumber()) {
    double a = l.number(), b = r.number();
    switch (op) {
    case B::Add:
      return CValue::ofFloat(a + b);
    case B::Sub:
      return CValue::ofFloat(a - b);
    case B::Mul:
      return CValue::ofFloat(a * b);
    case B::Div:
      return CValue::ofFloat(a / b);
    case B::FloorDiv:
      return CValue::ofFloat(std::floor(a / b));
    case B::Mod:
      return CValue::ofFloat(std::fmod(a, b));
    case B::Pow:
      return CValue::ofFloat(std::pow(a, b));
    case B::Eq:
      return CValue::ofBool(a == b);
    case B::Ne:
      return CValue::ofBool(a != b);
    case B::Lt:
      return CValue::ofBool(a < b);
    case B::Le:
      return CValue::ofBool(a <= b);
    case B::Gt:
      return CValue::ofBool(a > b);
    case B::Ge:
      return CValue::ofBool(a >= b);
    default:
      break;
    }
  }
  if (l.kind == CValue::Str && r.kind == CValue::Str) {
    if (op == B::Add) return CValue::ofStr(l.s + r.s);
    if (op == B::Eq) return CValue::ofBool(l.s == r.s);
    if (op == B::Ne) return CValue::ofBool(l.s != r.s);
  }
  if (l.kind == CValue::Bool && r.kind == CValue::Bool) {
    if (op == B::Eq) return CValue::ofBool(l.b == r.b);
    if (op == B::Ne) return CValue::ofBool(l.b != r.b);
  }
  if (l.kind == CValue::List && r.kind == CValue::List && op == B::Add) {
    CValue out = l;
    out.items.insert(out.items.end(), r.items.begin(), r.items.end());
    return out;
  }
  error(e.span, "cannot apply this operator to " + kindName(l) + " and " + kindName(r));
  return CValue::poison();
}

CValue Elaborator::eval(const ast::Expr& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
  case K::Int:
    return CValue::ofInt(e.intValue);
  case K::Float:
    return CValue::ofFloat(e.floatValue);
  case K::Bool:
    return CValue::ofBool(e.boolValue);
  case K::String:
    return CValue::ofStr(e.text);
  case K::Ident:
    return lookup(e.text, e.span);
  case K::List: {
    CValue l{CValue::List};
    for (auto& x : e.operands) {
      l.items.push_back(eval(*x));
      if (l.items.back().kind == CValue::Poison) return CValue::poison();
    }
    return l;
  }
  case K::Unary: {
    CValue v = eval(*e.operands[0]);
    if (v.kind == CValue::Poison) return v;
    if (e.unaryOp == ast::UnaryOp::Not) {
      if (v.kind == CValue::Bool) return CValue::ofBool(!v.b);
      error(e.span, "'not' needs a bool, got " + kindName(v));
      return CValue::poison();
    }
    if (v.kind == CValue::Int) return CValue::ofInt(-v.i);
    if (v.kind == CValue::Float) return CValue::ofFloat(-v.f);
    if (v.kind == CValue::Sym) return CValue::ofDim(dimMul(v.dim, -1));
    if (v.kind == CValue::Tensor) return emit(OpKind::Neg, NoAttrs{}, {v.t}, e.span);
    error(e.span, "cannot negate " + kindName(v));
    return CValue::poison();
  }
  case K::Binary:
    return evalBinary(e);
  case K::Call:
    return evalCall(e);
  case K::Member: {
    CValue obj = eval(*e.operands[0]);
    if (obj.kind == CValue::Poison) return obj;
    if (obj.kind == CValue::Record)
      for (size_t i = 0; i < obj.names.size(); ++i)
        if (obj.names[i] == e.text) return obj.items[i];
    std::vector<std::string> hints;
    if (obj.kind == CValue::Record) {
      std::string all;
      for (auto& n : obj.names)
        all += (all.empty() ? "" : ", ") + n;
      hints.push_back("its outputs are: " + all);
    }
    error(e.span, "no output named '" + e.text + "' in " + kindName(obj), hints);
    return CValue::poison();
  }
  case K::Index: {
    CValue obj = eval(*e.operands[0]);
    CValue idx = eval(*e.operands[1]);
    if (obj.kind == CValue::Poison || idx.kind == CValue::Poison) return CValue::poison();
    if ((obj.kind == CValue::List || obj.kind == CValue::Record) && idx.kind == CValue::Int) {
      int64_t n = static_cast<int64_t>(obj.items.size());
      int64_t i = idx.i < 0 ? idx.i + n : idx.i;
      if (i >= 0 && i < n) return obj.items[i];
      error(e.operands[1]->span, "index " + std::to_string(idx.i) +
                                     " is out of range for a list of " + std::to_string(n));
      return CValue::poison();
    }
    error(e.span, "cannot index " + kindName(obj) + " with " + kindName(idx),
          {"lists are indexed by ints; slice tensors with slice() or split()"});
    return CValue::poison();
  }
  }
  return CValue::poison();
}

CValue Elaborator::stepInput(SourceSpan span) {
  if (!inTrain_) {
    error(span, "'step' (the number of optimizer steps taken) exists only in train entries",
          {"compute step-dependent weights in the train entry, e.g. "
           "`w = where(step >= 1000, 0.1, 0.0)`"});
    return CValue::poison();
  }
  if (step_ == kNoValue) {
    step_ = g_.add(OpKind::Input, InputAttrs{"step"}, {}, {DType::F32, {}}, span);
    g_.value(step_).name = "step";
  }
  return CValue::ofTensor(step_);
}

bool Elaborator::evalArgs(const ast::Expr& e, Args& args) {
  bool bad = false;
  for (auto& p : e.operands) {
    args.pos.push_back(eval(*p));
    args.posSpans.push_back(p->span);
    bad |= args.pos.back().kind == CValue::Poison;
  }
  for (auto& k : e.kwargs) {
    args.kw.push_back({k.name, eval(*k.value)});
    args.kwSpans.push_back(k.span);
    bad |= args.kw.back().second.kind == CValue::Poison;
  }
  return !bad;
}

CValue Elaborator::evalCall(const ast::Expr& e) {
  Args args;
  if (!evalArgs(e, args)) return CValue::poison();
  auto d = prog_.decls.find(e.text);
  if (d != prog_.decls.end()) {
    if (d->second->kind == ast::DeclKind::Train) {
      error(e.calleeSpan, "'" + e.text + "' is a train entry and cannot be called");
      return CValue::poison();
    }
    return callBlock(*d->second, args, e.span);
  }
  if (auto r = callBuiltin(e.text, args, e.span, e.calleeSpan)) return *r;
  std::vector<std::string> cands = builtinNames();
  for (auto& [k, v] : prog_.decls)
    cands.push_back(k);
  std::string near = closestName(e.text, cands);
  error(e.calleeSpan, "unknown op or block '" + e.text + "'",
        near.empty() ? std::vector<std::string>{"see docs/ops.md for the ops llie knows"}
                     : std::vector<std::string>{"did you mean '" + near + "'?"});
  return CValue::poison();
}

} // namespace elab
} // namespace llie
