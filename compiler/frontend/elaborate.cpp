// Elaboration of statements, expressions and block instances (see elaborate.h). Builtins live
// in builtins.cpp. Errors are reported to the DiagnosticEngine and evaluation continues with a
// Poison value, so one run reports several independent errors.
#include "compiler/frontend/elaborator.h"
#include "compiler/ops/shape_rules.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace llie {
namespace elab {

std::string kindName(const CValue& v) {
  switch (v.kind) {
  case CValue::None:
    return "nothing";
  case CValue::Poison:
    return "an invalid value";
  case CValue::Int:
    return "an int";
  case CValue::Float:
    return "a float";
  case CValue::Bool:
    return "a bool";
  case CValue::Str:
    return "a string";
  case CValue::Sym:
    return "a symbolic size";
  case CValue::Tensor:
    return "a tensor";
  case CValue::List:
    return "a list";
  case CValue::Record:
    return "a block result with several outputs";
  case CValue::Config:
    return "a setting";
  }
  return "a value";
}

static std::string formatValue(const CValue& v) {
  switch (v.kind) {
  case CValue::Int:
    return std::to_string(v.i);
  case CValue::Float: {
    std::ostringstream os;
    os << v.f;
    return os.str();
  }
  case CValue::Bool:
    return v.b ? "true" : "false";
  case CValue::Str:
    return v.s;
  default:
    return "<" + kindName(v) + ">";
  }
}

// ---- graph building --------------------------------------------------------------------------

CValue Elaborator::emit(OpKind op, Attrs attrs, std::vector<ValueId> inputs, SourceSpan span) {
  std::vector<TensorType> ins;
  for (ValueId v : inputs)
    ins.push_back(g_.type(v));
  auto types = inferTypes(op, attrs, ins, g_.symbols);
  if (!types) {
    Status st = types.takeStatus();
    for (auto& d : st.diagnostics()) {
      d.span = span;
      diags.report(d);
    }
    return CValue::poison();
  }
  // The node's own expression first, then the call sites of the enclosing block instances.
  std::vector<SourceSpan> spans;
  if (span.valid()) spans.push_back(span);
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
    if (it->callSite.valid()) spans.push_back(it->callSite);
  NodeId n = g_.addNode(op, std::move(attrs), std::move(inputs), std::move(*types), spans);
  return CValue::ofTensor(g_.nodes[n].outputs[0]);
}

CValue Elaborator::constant(double v, SourceSpan span) {
  return CValue::ofTensor(g_.add(OpKind::Constant, ConstantAttrs{v}, {}, {DType::F32, {}}, span));
}

CValue Elaborator::constantTensor(Shape shape, std::vector<double> data, SourceSpan span) {
  std::vector<SourceSpan> spans;
  if (span.valid()) spans.push_back(span);
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
    if (it->callSite.valid()) spans.push_back(it->callSite);
  ConstantAttrs at;
  at.data = std::move(data);
  NodeId n = g_.addNode(OpKind::Constant, std::move(at), {}, {{DType::F32, std::move(shape)}},
                        std::move(spans));
  return CValue::ofTensor(g_.nodes[n].outputs[0]);
}

CValue Elaborator::toTensor(const CValue& v, SourceSpan span, const std::string& what) {
  if (v.kind == CValue::Tensor || v.kind == CValue::Poison) return v;
  if (v.kind == CValue::Int || v.kind == CValue::Float) return constant(v.number(), span);
  if (v.kind == CValue::Bool) return constant(v.b ? 1.0 : 0.0, span);
  error(span, what + " must be a tensor or a number, got " + kindName(v));
  return CValue::poison();
}

CValue Elaborator::makeParam(const std::string& instance, const std::string& leaf, Shape shape,
                             ParamAttrs init, bool state, SourceSpan span) {
  std::string name = frame().prefix;
  if (!instance.empty()) name += (name.empty() ? "" : ".") + instance;
  name += (name.empty() ? "" : ".") + leaf;
  auto it = paramNames_.find(name);
  if (it != paramNames_.end()) {
    Diagnostic d{Severity::Error, span, "parameter name '" + name + "' is already used", {}, {}};
    d.hints.push_back("give this layer its own name, e.g. name=\"" + instance + "_2\"");
    d.notes.push_back({it->second, "first used here"});
    diags.report(std::move(d));
    return CValue::poison();
  }
  paramNames_[name] = span;
  init.name = name;
  return CValue::ofTensor(g_.add(state ? OpKind::State : OpKind::Param, init, {},
                                 {DType::F32, std::move(shape)}, span));
}

std::string Elaborator::interpolate(const std::string& s, SourceSpan span) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '{') {
      out += s[i];
      continue;
    }
    size_t close = s.find('}', i);
    if (close == std::string::npos) {
      error(span, "unclosed '{' in name \"" + s + "\"");
      return s;
    }
    std::string var = s.substr(i + 1, close - i - 1);
    CValue v = lookup(var, span);
    out += formatValue(v);
    i = close;
  }
  return out;
}

std::string Elaborator::instanceName(const Args& args, SourceSpan span) {
  if (const CValue* n = args.find("name")) {
    if (n->kind == CValue::Str) return interpolate(n->s, span);
    error(span, "name= must be a string, got " + kindName(*n));
  }
  Frame& f = frame();
  std::string base = f.stmtTarget.empty() ? "layer" : f.stmtTarget;
  if (f.stmtCount <= 1) return base;
  return base + "." + std::to_string(f.stmtIndex++);
}

// ---- blocks ----------------------------------------------------------------------------------

CValue Elaborator::checkParamType(const ast::Param& p, CValue v, SourceSpan span) {
  using T = ast::TypeKind;
  bool ok = false;
  switch (p.type) {
  case T::Tensor:
    ok = v.kind == CValue::Tensor;
    break;
  case T::Int:
    ok = v.isIntLike();
    break;
  case T::Float:
    ok = v.isNumber();
    if (ok) v = CValue::ofFloat(v.number());
    break;
  case T::Bool:
    ok = v.kind == CValue::Bool;
    break;
  case T::String:
    ok = v.kind == CValue::Str;
    break;
  case T::List:
    ok = v.kind == CValue::List;
    break;
  }
  if (v.kind == CValue::Poison) return v;
  if (!ok) {
    static const char* names[] = {"a tensor", "an int", "a float", "a bool", "a string", "a list"};
    error(span, "parameter '" + p.name + "' expects " + names[static_cast<int>(p.type)] + ", got " +
                    kindName(v));
    return CValue::poison();
  }
  if (p.type == T::Tensor && !p.shape.empty()) {
    const Shape& s = g_.type(v.t).shape;
    if (s.size() != p.shape.size()) {
      error(span, "parameter '" + p.name + "' expects a rank-" + std::to_string(p.shape.size()) +
                      " tensor, got " + shapeToString(s, g_.symbols));
      return CValue::poison();
    }
    for (size_t i = 0; i < s.size(); ++i)
      if (p.shape[i]->kind == ast::ExprKind::Int && s[i].isConst() &&
          s[i].off != p.shape[i]->intValue) {
        error(span, "parameter '" + p.name + "' expects dimension " + std::to_string(i) +
                        " to be " + std::to_string(p.shape[i]->intValue) + ", got " +
                        shapeToString(s, g_.symbols));
        return CValue::poison();
      }
  }
  return v;
}

bool Elaborator::bindParams(const ast::BlockDecl& d, Args& args, SourceSpan span, Frame& f) {
  bool ok = true;
  if (args.pos.size() > d.params.size()) {
    error(args.posSpans[d.params.size()], "'" + d.name + "' takes at most " +
                                              std::to_string(d.params.size()) + " arguments, got " +
                                              std::to_string(args.pos.size()));
    return false;
  }
  std::vector<bool> bound(d.params.size(), false);
  for (size_t i = 0; i < args.pos.size(); ++i) {
    f.vars[d.params[i].name] = checkParamType(d.params[i], args.pos[i], args.posSpans[i]);
    bound[i] = true;
  }
  std::vector<std::string> names;
  for (auto& p : d.params)
    names.push_back(p.name);
  for (size_t k = 0; k < args.kw.size(); ++k) {
    auto& [name, v] = args.kw[k];
    if (name == "name") continue;
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string near = closestName(name, names);
      error(args.kwSpans[k], "'" + d.name + "' has no parameter '" + name + "'",
            near.empty() ? std::vector<std::string>{}
                         : std::vector<std::string>{"did you mean '" + near + "'?"});
      ok = false;
      continue;
    }
    size_t i = it - names.begin();
    if (bound[i]) {
      error(args.kwSpans[k], "parameter '" + name + "' is given twice");
      ok = false;
      continue;
    }
    f.vars[name] = checkParamType(d.params[i], v, args.kwSpans[k]);
    bound[i] = true;
  }
  for (size_t i = 0; i < d.params.size(); ++i) {
    if (bound[i]) continue;
    if (!d.params[i].defaultValue) {
      error(span, "missing argument '" + d.params[i].name + "' of '" + d.name + "'");
      ok = false;
      continue;
    }
    // Defaults are evaluated in the callee's scope (they may refer to earlier parameters).
    frames_.push_back(f);
    CValue dv = eval(*d.params[i].defaultValue);
    f = std::move(frames_.back());
    frames_.pop_back();
    f.vars[d.params[i].name] = checkParamType(d.params[i], dv, d.params[i].span);
  }
  for (auto& [k, v] : f.vars)
    ok &= v.kind != CValue::Poison;
  return ok;
}

CValue Elaborator::callBlock(const ast::BlockDecl& d, Args& args, SourceSpan span) {
  if (frames_.size() > 64) {
    error(span, "blocks nest more than 64 deep (is '" + d.name + "' calling itself?)");
    return CValue::poison();
  }
  // A model called from another entry keeps its own root names unless given name=.
  std::string inst = (d.kind == ast::DeclKind::Model && !args.find("name"))
                         ? std::string()
                         : instanceName(args, span);
  Frame f;
  f.decl = &d;
  f.module = prog_.declModule.at(d.name);
  f.prefix = frame().prefix;
  f.callSite = span;
  if (!inst.empty()) f.prefix += (f.prefix.empty() ? "" : ".") + inst;
  if (!bindParams(d, args, span, f)) return CValue::poison();
  frames_.push_back(std::move(f));
  exec(d.body);
  Frame done = std::move(frames_.back());
  frames_.pop_back();
  CValue rec{CValue::Record};
  for (size_t i = 0; i < d.outputs.size(); ++i) {
    auto it = done.vars.find(d.outputs[i]);
    if (it == done.vars.end()) {
      error(d.outputSpans[i],
            "output '" + d.outputs[i] + "' of '" + d.name + "' is never assigned");
      return CValue::poison();
    }
    rec.names.push_back(d.outputs[i]);
    rec.items.push_back(it->second);
  }
  if (rec.items.size() == 1) return rec.items[0];
  return rec;
}

// ---- statements ------------------------------------------------------------------------------

int Elaborator::countInstances(const ast::Expr& e) const {
  int n = 0;
  if (e.kind == ast::ExprKind::Call) {
    bool named = false;
    for (auto& k : e.kwargs)
      named |= k.name == "name";
    auto d = prog_.decls.find(e.text);
    bool creates =
        d != prog_.decls.end() ? d->second->kind == ast::DeclKind::Block : isLayer(e.text);
    if (creates && !named) ++n;
  }
  for (auto& o : e.operands)
    n += countInstances(*o);
  for (auto& k : e.kwargs)
    n += countInstances(*k.value);
  return n;
}

void Elaborator::exec(const std::vector<ast::StmtPtr>& body) {
  for (auto& s : body)
    execStmt(*s);
}

void Elaborator::execRequire(const ast::Stmt& s) {
  for (auto& c : s.exprs) {
    // The form `S % d == 0` on a symbol records a divisibility constraint.
    const ast::Expr& e = *c;
    if (e.kind == ast::ExprKind::Binary && e.binaryOp == ast::BinaryOp::Eq &&
        e.operands[0]->kind == ast::ExprKind::Binary &&
        e.operands[0]->binaryOp == ast::BinaryOp::Mod &&
        e.operands[1]->kind == ast::ExprKind::Int && e.operands[1]->intValue == 0) {
      CValue sym = eval(*e.operands[0]->operands[0]);
      CValue d = eval(*e.operands[0]->operands[1]);
      if (sym.kind == CValue::Sym && sym.dim.num == 1 && sym.dim.den == 1 && sym.dim.off == 0 &&
          d.kind == CValue::Int && d.i > 0) {
        int64_t& div = g_.symbols.divisors[sym.dim.sym];
        div = std::lcm(div, d.i);
        g_.constraints.push_back({sym.dim.sym, d.i, e.span});
        continue;
      }
    }
    CValue v = eval(e);
    if (v.kind == CValue::Poison) continue;
    if (v.kind != CValue::Bool) {
      error(e.span, "require needs a condition such as `H % 16 == 0`, got " + kindName(v));
    } else if (!v.b) {
      error(e.span, "requirement not met");
    }
  }
}

void Elaborator::execParamDecl(const ast::Stmt& s) {
  size_t nDims = s.exprs.size() - (s.hasInit ? 1 : 0);
  Shape shape;
  for (size_t i = 0; i < nDims; ++i) {
    CValue d = eval(*s.exprs[i]);
    if (d.kind == CValue::Poison) return;
    if (!d.isIntLike()) {
      error(s.exprs[i]->span, "a dimension must be an int, got " + kindName(d));
      return;
    }
    shape.push_back(d.asDim());
  }
  ParamAttrs init;
  init.init = InitKind::Zeros;
  if (s.hasInit) {
    const ast::Expr& ie = *s.exprs.back();
    CValue v = eval(ie);
    if (v.kind == CValue::Poison) return;
    if (v.isNumber()) {
      init.init = InitKind::Constant;
      init.value = v.number();
    } else if (v.kind == CValue::Config) {
      static const std::pair<const char*, InitKind> kinds[] = {
          {"zeros", InitKind::Zeros},
          {"ones", InitKind::Ones},
          {"normal", InitKind::Normal},
          {"kaiming_uniform", InitKind::KaimingUniform},
          {"uniform_fan_in", InitKind::UniformFanIn}};
      bool found = false;
      for (auto& [n, k] : kinds)
        if (v.s == n) init.init = k, found = true;
      if (!found) {
        error(ie.span, "unknown initialiser '" + v.s + "'",
              {"use zeros(), ones(), normal(std), kaiming_uniform(fan_in), uniform_fan_in(fan_in) "
               "or a number"});
        return;
      }
      for (size_t i = 0; i < v.names.size(); ++i) {
        if (v.names[i] == "std") init.value = v.items[i].number();
        if (v.names[i] == "fan_in") init.fanIn = v.items[i].i;
      }
    } else {
      error(ie.span, "an initialiser must be a number or zeros()/ones()/normal(std)/...");
      return;
    }
  }
  CValue p = makeParam("", s.targets[0], shape, init, s.isState, s.span);
  frame().vars[s.targets[0]] = p;
}

void Elaborator::execStmt(const ast::Stmt& s) {
  using K = ast::StmtKind;
  Frame& f = frame();
  switch (s.kind) {
  case K::Assign:
  case K::Loss: {
    // `optimizer = adam(...)`, `batch = 4`, ... at the top level of a train entry.
    if (s.kind == K::Assign && s.targets.size() == 1 && inTrain_ && frames_.size() == 1 &&
        isSettingName(s.targets[0])) {
      execSetting(s);
      return;
    }
    f.stmtTarget = s.targets[0];
    f.stmtCount = countInstances(*s.exprs[0]);
    f.stmtIndex = 0;
    CValue v = eval(*s.exprs[0]);
    Frame& fr = frame();
    fr.stmtTarget.clear();
    if (s.kind == K::Loss) {
      if (!inTrain_) {
        error(s.span, "'loss' statements belong in train entries");
        return;
      }
      CValue t = toTensor(v, s.exprs[0]->span, "a loss");
      if (t.kind != CValue::Tensor) return;
      if (!g_.type(t.t).shape.empty()) {
        error(s.exprs[0]->span,
              "a loss must be a scalar, got shape " + shapeToString(g_.type(t.t).shape, g_.symbols),
              {"reduce it with mean(...)"});
        return;
      }
      for (auto& [n, sp] : lossNames_)
        if (n == s.targets[0]) {
          error(s.targetSpans[0], "loss '" + n + "' is defined twice");
          return;
        }
      lossNames_.push_back({s.targets[0], s.span});
      g_.outputs.push_back({"loss." + s.targets[0], t.t});
      fr.vars[s.targets[0]] = t;
      return;
    }
    if (s.targets.size() == 1) {
      if (rejectMisplacedSetting(s, v)) return;
      if (v.kind == CValue::Tensor && g_.value(v.t).name.empty()) g_.value(v.t).name = s.targets[0];
      if (inTrain_ && frames_.size() == 1 && v.kind != CValue::Tensor && v.kind != CValue::Poison &&
          v.kind != CValue::Record && v.kind != CValue::List)
        rootScalars_.push_back({s.targets[0], s.targetSpans[0], v.kind == CValue::Config});
      fr.vars[s.targets[0]] = v;
      return;
    }
    if (v.kind == CValue::Poison) {
      for (auto& t : s.targets)
        fr.vars[t] = v;
      return;
    }
    if ((v.kind != CValue::Record && v.kind != CValue::List) ||
        v.items.size() != s.targets.size()) {
      error(s.span, "cannot unpack " + kindName(v) + " into " + std::to_string(s.targets.size()) +
                        " names" +
                        (v.kind == CValue::Record || v.kind == CValue::List
                             ? " (it has " + std::to_string(v.items.size()) + ")"
                             : ""));
      for (auto& t : s.targets)
        fr.vars[t] = CValue::poison();
      return;
    }
    for (size_t i = 0; i < s.targets.size(); ++i) {
      if (v.items[i].kind == CValue::Tensor && g_.value(v.items[i].t).name.empty())
        g_.value(v.items[i].t).name = s.targets[i];
      fr.vars[s.targets[i]] = v.items[i];
    }
    return;
  }
  case K::If: {
    CValue c = eval(*s.exprs[0]);
    if (c.kind == CValue::Poison) return;
    if (c.kind != CValue::Bool) {
      error(s.exprs[0]->span, "'if' needs a compile-time bool, got " + kindName(c),
            {"for a choice per element of a tensor use where(cond, a, b)"});
      return;
    }
    exec(c.b ? s.body : s.elseBody);
    return;
  }
  case K::For: {
    CValue it = eval(*s.exprs[0]);
    if (it.kind == CValue::Poison) return;
    if (it.kind != CValue::List) {
      error(s.exprs[0]->span, "'for' needs a list or range(...), got " + kindName(it));
      return;
    }
    for (auto& item : it.items) {
      frame().vars[s.targets[0]] = item;
      exec(s.body);
    }
    return;
  }
  case K::Require:
    execRequire(s);
    return;
  case K::ParamDecl:
    execParamDecl(s);
    return;
  }
}

// ---- entry -----------------------------------------------------------------------------------

void Elaborator::bindEntryInputs(const ast::BlockDecl& d, const ElaborateOptions& opt, Frame& f) {
  for (auto& p : d.params) {
    auto ov = opt.overrides.find(p.name);
    if (p.type != ast::TypeKind::Tensor) {
      if (ov != opt.overrides.end()) {
        const std::string& s = ov->second;
        CValue v;
        char* end = nullptr;
        long long iv = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == 0 && !s.empty())
          v = CValue::ofInt(iv);
        else {
          double dv = std::strtod(s.c_str(), &end);
          if (end && *end == 0 && !s.empty())
            v = CValue::ofFloat(dv);
          else if (s == "true" || s == "false")
            v = CValue::ofBool(s == "true");
          else
            v = CValue::ofStr(s);
        }
        f.vars[p.name] = checkParamType(p, v, p.span);
      } else if (p.defaultValue) {
        CValue v = eval(*p.defaultValue); // `f` is the root frame, already on the stack
        f.vars[p.name] = checkParamType(p, v, p.span);
      } else {
        error(p.span, "entry parameter '" + p.name + "' needs a default value (or --set " + p.name +
                          "=...)");
      }
      continue;
    }
    if (p.shape.empty()) {
      error(p.span,
            "the entry input '" + p.name + "' needs a shape, e.g. " + p.name + ": [N, 3, H, W]");
      f.vars[p.name] = CValue::poison();
      continue;
    }
    Shape shape;
    for (auto& dimExpr : p.shape) {
      if (dimExpr->kind == ast::ExprKind::Ident) {
        int32_t sym = g_.symbols.find(dimExpr->text);
        if (sym < 0) sym = g_.symbols.add(dimExpr->text);
        shape.push_back(Dim::symbol(sym));
      } else if (dimExpr->kind == ast::ExprKind::Int) {
        shape.push_back(Dim::constant(dimExpr->intValue));
      } else {
        error(dimExpr->span,
              "an input dimension must be a name (a symbol such as H) or an integer");
      }
    }
    f.vars[p.name] = CValue::ofTensor(
        g_.add(OpKind::Input, InputAttrs{p.name}, {}, {DType::F32, shape}, p.span));
    g_.value(f.vars[p.name].t).name = p.name;
  }
}

Status Elaborator::run(const ElaborateOptions& opt) {
  const ast::BlockDecl* entry = nullptr;
  if (opt.entry.empty()) {
    for (auto& d : prog_.modules[0]->decls)
      if (d.kind == ast::DeclKind::Model) {
        entry = &d;
        break;
      }
    if (!entry) return Status::error("'" + prog_.modules[0]->path + "' defines no model");
  } else {
    auto it = prog_.decls.find(opt.entry);
    if (it == prog_.decls.end() || it->second->kind == ast::DeclKind::Block) {
      auto names = entryNames(prog_);
      std::string all;
      for (auto& n : names)
        all += (all.empty() ? "" : ", ") + n;
      return Status::error("no model or train entry named '" + opt.entry + "'", {},
                           {"entries in this file: " + all});
    }
    entry = it->second;
  }
  g_.entry = entry->name;
  g_.kind = entry->kind == ast::DeclKind::Train ? GraphKind::Training : GraphKind::Inference;
  inTrain_ = entry->kind == ast::DeclKind::Train;
  Frame root;
  root.decl = entry;
  root.module = prog_.declModule.at(entry->name);
  frames_.push_back(std::move(root));
  bindEntryInputs(*entry, opt, frames_.back());
  for (auto& [k, v] : opt.overrides) {
    bool known = false;
    for (auto& p : entry->params)
      known |= p.name == k;
    if (!known) error({}, "--set " + k + ": '" + entry->name + "' has no parameter '" + k + "'");
  }
  exec(entry->body);
  Frame& f = frames_.back();
  for (size_t i = 0; i < entry->outputs.size(); ++i) {
    auto it = f.vars.find(entry->outputs[i]);
    if (it == f.vars.end()) {
      error(entry->outputSpans[i], "output '" + entry->outputs[i] + "' is never assigned");
      continue;
    }
    if (it->second.kind == CValue::Poison) continue;
    if (it->second.kind != CValue::Tensor) {
      error(entry->outputSpans[i],
            "output '" + entry->outputs[i] + "' is " + kindName(it->second) + ", not a tensor");
      continue;
    }
    if (i == 0 || opt.allOutputs) g_.outputs.push_back({entry->outputs[i], it->second.t});
  }
  if (inTrain_) checkUnknownSettings();
  if (inTrain_ && lossNames_.empty() && !diags.hasErrors())
    error(entry->span, "train entry '" + entry->name + "' defines no loss",
          {"add e.g. `loss l1 = l1_loss(y, gt)`"});
  return diags.take();
}

} // namespace elab

Expected<Graph> elaborate(const Program& program, const ElaborateOptions& options) {
  Graph g;
  elab::Elaborator e(program, g);
  LLIE_RETURN_IF_ERROR(e.run(options));
  return g;
}

} // namespace llie
