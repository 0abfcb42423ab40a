// The training settings of a train entry, elaborated into the typed Graph::train (TrainConfig,
// compiler/ir/train_config.h): `optimizer = sgd(...) | adam(...) | adamw(...)`, `schedule =
// constant() | step(...) | multistep(...) | cosine(...)`, `warmup = linear(...)` and the plain
// values clip_grad_norm, batch, crop, steps, epochs, eval_every, checkpoint_every and freeze.
// A setting is a top-level assignment of a train entry whose target is one of these names. Every
// mistake (an unknown setting, function or keyword, a wrong type, a value out of range, a setting
// given twice or written in a model or block) is reported at its .llie span, with a "did you
// mean" hint where a known name is close.
#include "compiler/frontend/elaborator.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

namespace llie::elab {

namespace {

const char* const kSettingNames[] = {
    "optimizer", "schedule", "warmup",     "clip_grad_norm",   "batch", "crop",
    "steps",     "epochs",   "eval_every", "checkpoint_every", "freeze"};

/// What a keyword of a setting function accepts.
enum class Want {
  Positive,  ///< a number > 0
  NonNeg,    ///< a number >= 0
  Unit,      ///< a number in [0, 1)
  Fraction,  ///< a number in (0, 1]
  PosInt,    ///< an int > 0
  NonNegInt, ///< an int >= 0
  Bool,
  Milestones ///< a list of increasing positive ints
};

struct Key {
  const char* name;
  Want want;
  bool required = false;
};

struct SettingFn {
  const char* setting;
  const char* name;
  std::vector<Key> keys; ///< in positional order
};

const std::vector<SettingFn>& settingFns() {
  static const std::vector<SettingFn> fns = {
      {"optimizer",
       "sgd",
       {{"lr", Want::Positive},
        {"momentum", Want::NonNeg},
        {"dampening", Want::NonNeg},
        {"weight_decay", Want::NonNeg},
        {"nesterov", Want::Bool}}},
      {"optimizer",
       "adam",
       {{"lr", Want::Positive},
        {"beta1", Want::Unit},
        {"beta2", Want::Unit},
        {"eps", Want::Positive},
        {"weight_decay", Want::NonNeg}}},
      {"optimizer",
       "adamw",
       {{"lr", Want::Positive},
        {"beta1", Want::Unit},
        {"beta2", Want::Unit},
        {"eps", Want::Positive},
        {"weight_decay", Want::NonNeg}}},
      {"schedule", "constant", {}},
      {"schedule", "step", {{"step_size", Want::PosInt, true}, {"gamma", Want::Positive}}},
      {"schedule",
       "multistep",
       {{"milestones", Want::Milestones, true}, {"gamma", Want::Positive}}},
      {"schedule", "cosine", {{"t_max", Want::NonNegInt}, {"eta_min", Want::NonNeg}}},
      {"warmup", "linear", {{"steps", Want::PosInt, true}, {"start_factor", Want::Fraction}}},
  };
  return fns;
}

/// Older spellings of the schedules (the generic setting builtins of builtins.cpp).
std::string canonicalFn(const std::string& fn) {
  if (fn == "constant_lr") return "constant";
  if (fn == "step_lr") return "step";
  if (fn == "multistep_lr") return "multistep";
  if (fn == "cosine_lr") return "cosine";
  return fn;
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string describeWant(Want w) {
  switch (w) {
  case Want::Positive:
    return "a number > 0";
  case Want::NonNeg:
    return "a number >= 0";
  case Want::Unit:
    return "a number in [0, 1)";
  case Want::Fraction:
    return "a number in (0, 1]";
  case Want::PosInt:
    return "an int > 0";
  case Want::NonNegInt:
    return "an int >= 0";
  case Want::Bool:
    return "true or false";
  case Want::Milestones:
    return "a list of increasing positive ints, e.g. [1000, 2000]";
  }
  return "a value";
}

/// A checked keyword value: the number (ints widened), the bool, or the milestones.
struct KeyValue {
  double number = 0;
  bool flag = false;
  std::vector<int64_t> list;
};

/// Checks `v` against `w`; on failure returns what is wrong ("got ...").
std::optional<std::string> check(const CValue& v, Want w, KeyValue& out) {
  auto got = [&] {
    if (v.isNumber()) return "got " + (v.kind == CValue::Int ? std::to_string(v.i) : num(v.f));
    return "got " + kindName(v);
  };
  switch (w) {
  case Want::Positive:
  case Want::NonNeg:
  case Want::Unit:
  case Want::Fraction: {
    if (!v.isNumber()) return got();
    double d = v.number();
    bool ok = std::isfinite(d) && (w == Want::Positive ? d > 0
                                   : w == Want::NonNeg ? d >= 0
                                   : w == Want::Unit   ? d >= 0 && d < 1
                                                       : d > 0 && d <= 1);
    if (!ok) return got();
    out.number = d;
    return std::nullopt;
  }
  case Want::PosInt:
  case Want::NonNegInt:
    if (v.kind != CValue::Int || (w == Want::PosInt ? v.i <= 0 : v.i < 0)) return got();
    out.number = static_cast<double>(v.i);
    return std::nullopt;
  case Want::Bool:
    if (v.kind != CValue::Bool) return got();
    out.flag = v.b;
    return std::nullopt;
  case Want::Milestones: {
    if (v.kind != CValue::List) return got();
    for (auto& it : v.items) {
      if (it.kind != CValue::Int || it.i <= 0 || (!out.list.empty() && it.i <= out.list.back())) {
        out.list.clear();
        return "got " + (it.kind == CValue::Int ? std::to_string(it.i) : kindName(it)) +
               " in the list";
      }
      out.list.push_back(it.i);
    }
    if (out.list.empty()) return std::string("got an empty list");
    return std::nullopt;
  }
  }
  return got();
}

} // namespace

bool Elaborator::isSettingName(const std::string& name) {
  for (auto* s : kSettingNames)
    if (name == s) return true;
  return false;
}

bool Elaborator::rejectMisplacedSetting(const ast::Stmt& s, const CValue& v) {
  const std::string& name = s.targets[0];
  if (!isSettingName(name) || v.kind == CValue::Poison) return false;
  if (frames_.size() == 1 && !inTrain_) {
    error(s.targetSpans[0],
          "'" + name + "' is a training setting; model entries cannot have settings",
          {"set it in a train entry that calls this model"});
    return true;
  }
  if (frames_.size() > 1 && v.kind == CValue::Config) {
    error(s.targetSpans[0],
          "'" + name +
              "' is a training setting; settings belong at the top level of a train "
              "entry, not in block '" +
              frame().decl->name + "'");
    return true;
  }
  return false;
}

void Elaborator::execSetting(const ast::Stmt& s) {
  const std::string& name = s.targets[0];
  const ast::Expr& e = *s.exprs[0];
  auto prev = settingSpans_.find(name);
  if (prev != settingSpans_.end()) {
    Diagnostic d{Severity::Error, s.targetSpans[0], "setting '" + name + "' is set twice", {}, {}};
    d.notes.push_back({prev->second, "first set here"});
    diags.report(std::move(d));
    return;
  }
  settingSpans_[name] = s.targetSpans[0];
  TrainConfig& c = g_.train;

  if (name == "optimizer" || name == "schedule" || name == "warmup") {
    // The direct form `optimizer = adam(lr=1e-3)` is read here (so that `linear`, `step` and
    // `constant` mean the warm-up and schedules, not the layer, the input and the op); a value
    // computed elsewhere (`opt = adam(...)`, `optimizer = opt`) arrives as a Config.
    std::string fn;
    Args a;
    SourceSpan calleeSpan;
    if (e.kind == ast::ExprKind::Call && !prog_.decls.count(e.text)) {
      fn = e.text;
      calleeSpan = e.calleeSpan;
      if (!evalArgs(e, a)) return;
    } else {
      CValue v = eval(e);
      if (v.kind == CValue::Poison) return;
      if (v.kind != CValue::Config) {
        const char* forms = name == "optimizer"  ? "sgd(...), adam(...) or adamw(...)"
                            : name == "schedule" ? "constant(), step(...), multistep(...) or "
                                                   "cosine(...)"
                                                 : "linear(steps=...)";
        error(e.span, "'" + name + "' expects " + forms + ", got " + kindName(v));
        return;
      }
      fn = v.s;
      calleeSpan = e.span;
      for (size_t i = 0; i < v.items.size(); ++i) {
        SourceSpan sp = i < v.spans.size() ? v.spans[i] : e.span;
        if (v.names[i].empty())
          a.pos.push_back(v.items[i]), a.posSpans.push_back(sp);
        else
          a.kw.push_back({v.names[i], v.items[i]}), a.kwSpans.push_back(sp);
      }
    }
    applyFunctionSetting(name, canonicalFn(fn), a, calleeSpan);
    return;
  }

  CValue v = eval(e);
  if (v.kind == CValue::Poison) return;
  frame().vars[name] = v;
  if (name == "freeze") {
    std::vector<std::string> prefixes;
    bool ok = v.kind == CValue::Str || v.kind == CValue::List;
    if (v.kind == CValue::Str) prefixes.push_back(v.s);
    if (v.kind == CValue::List)
      for (auto& it : v.items) {
        ok &= it.kind == CValue::Str && !it.s.empty();
        if (ok) prefixes.push_back(it.s);
      }
    if (!ok) {
      error(e.span,
            "'freeze' expects a list of parameter name prefixes, e.g. [\"stem\", \"enc.e1\"], "
            "got " +
                kindName(v));
      return;
    }
    c.freeze = std::move(prefixes);
    return;
  }
  if (name == "clip_grad_norm") {
    if (!v.isNumber() || !std::isfinite(v.number()) || v.number() < 0) {
      error(e.span, "'clip_grad_norm' expects a number >= 0 (0 = no clipping), got " +
                        (v.isNumber() ? num(v.number()) : kindName(v)));
      return;
    }
    c.clipGradNorm = v.number();
    return;
  }
  // The integer settings.
  struct IntSetting {
    const char* name;
    int64_t TrainConfig::*field;
    bool zeroOk;
    const char* zeroMeans;
  };
  static const IntSetting ints[] = {
      {"batch", &TrainConfig::batch, false, ""},
      {"crop", &TrainConfig::crop, false, ""},
      {"steps", &TrainConfig::steps, true, " (0 = run `epochs` epochs)"},
      {"epochs", &TrainConfig::epochs, false, ""},
      {"eval_every", &TrainConfig::evalEvery, true, " (0 = only at the end)"},
      {"checkpoint_every", &TrainConfig::checkpointEvery, true, " (0 = only at the end)"},
  };
  for (auto& is : ints) {
    if (name != is.name) continue;
    if (v.kind != CValue::Int || v.i < 0 || (v.i == 0 && !is.zeroOk)) {
      error(e.span, "'" + name + "' expects " + (is.zeroOk ? "an int >= 0" : "an int > 0") +
                        is.zeroMeans + ", got " +
                        (v.kind == CValue::Int ? std::to_string(v.i)
                         : v.isNumber()        ? "the float " + num(v.f)
                                               : kindName(v)));
      return;
    }
    c.*is.field = v.i;
    return;
  }
}

void Elaborator::applyFunctionSetting(const std::string& setting, const std::string& fn, Args& a,
                                      SourceSpan calleeSpan) {
  const SettingFn* def = nullptr;
  std::vector<std::string> names;
  for (auto& f : settingFns())
    if (setting == f.setting) {
      names.push_back(f.name);
      if (fn == f.name) def = &f;
    }
  if (!def) {
    std::string all;
    for (auto& n : names)
      all += (all.empty() ? "" : ", ") + n + "(...)";
    std::string near = closestName(fn, names);
    const char* what = setting == "optimizer"  ? "optimizer"
                       : setting == "schedule" ? "learning-rate schedule"
                                               : "warm-up";
    error(
        calleeSpan, std::string("unknown ") + what + " '" + fn + "'",
        {near.empty() ? "'" + setting + "' takes one of " + all : "did you mean '" + near + "'?"});
    return;
  }

  // Bind positionals in order, then keywords; check each against its key.
  std::vector<std::string> keyNames;
  for (auto& k : def->keys)
    keyNames.push_back(k.name);
  std::string signature = fn + "(";
  for (size_t i = 0; i < keyNames.size(); ++i)
    signature += (i ? ", " : "") + keyNames[i] + "=";
  signature += ")";
  std::vector<std::optional<KeyValue>> vals(def->keys.size());
  bool ok = true;
  auto bind = [&](size_t k, const CValue& v, SourceSpan span) {
    if (vals[k]) {
      error(span, fn + ": '" + keyNames[k] + "' is given twice");
      ok = false;
      return;
    }
    KeyValue kv;
    if (auto bad = check(v, def->keys[k].want, kv)) {
      error(span, fn + ": '" + keyNames[k] + "' must be " + describeWant(def->keys[k].want) + ", " +
                      *bad);
      ok = false;
      return;
    }
    vals[k] = kv;
  };
  for (size_t i = 0; i < a.pos.size(); ++i) {
    if (i >= def->keys.size()) {
      error(a.posSpans[i],
            fn + " takes " +
                (def->keys.empty() ? std::string("no arguments")
                                   : "at most " + std::to_string(def->keys.size()) + " arguments"),
            {signature});
      ok = false;
      break;
    }
    bind(i, a.pos[i], a.posSpans[i]);
  }
  for (size_t i = 0; i < a.kw.size(); ++i) {
    auto it = std::find(keyNames.begin(), keyNames.end(), a.kw[i].first);
    if (it == keyNames.end()) {
      std::string near = closestName(a.kw[i].first, keyNames);
      error(a.kwSpans[i], fn + " has no setting '" + a.kw[i].first + "'",
            {near.empty()
                 ? (keyNames.empty() ? fn + " takes no arguments" : "it takes " + signature)
                 : "did you mean '" + near + "'?"});
      ok = false;
      continue;
    }
    bind(static_cast<size_t>(it - keyNames.begin()), a.kw[i].second, a.kwSpans[i]);
  }
  for (size_t k = 0; k < def->keys.size(); ++k)
    if (def->keys[k].required && !vals[k] && ok) {
      error(calleeSpan, fn + " needs '" + keyNames[k] + "'", {signature});
      ok = false;
    }
  if (!ok) return;

  auto number = [&](const char* key, double def) {
    for (size_t k = 0; k < keyNames.size(); ++k)
      if (keyNames[k] == key && vals[k]) return vals[k]->number;
    return def;
  };
  auto flag = [&](const char* key, bool def) {
    for (size_t k = 0; k < keyNames.size(); ++k)
      if (keyNames[k] == key && vals[k]) return vals[k]->flag;
    return def;
  };
  auto spanOf = [&](const char* key) {
    for (size_t i = 0; i < a.kw.size(); ++i)
      if (a.kw[i].first == key) return a.kwSpans[i];
    return calleeSpan;
  };
  TrainConfig& c = g_.train;
  if (setting == "optimizer") {
    OptimizerConfig o;
    o.kind = fn == "sgd"    ? OptimizerKind::Sgd
             : fn == "adam" ? OptimizerKind::Adam
                            : OptimizerKind::AdamW;
    o.lr = number("lr", o.lr);
    o.weightDecay = number("weight_decay", o.kind == OptimizerKind::AdamW ? 1e-2 : 0.0);
    if (o.kind == OptimizerKind::Sgd) {
      o.momentum = number("momentum", 0.0);
      o.dampening = number("dampening", 0.0);
      o.nesterov = flag("nesterov", false);
      if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
        error(spanOf("nesterov"), "sgd: nesterov needs momentum > 0 and dampening = 0",
              {"as in PyTorch's SGD"});
        return;
      }
    } else {
      o.beta1 = number("beta1", o.beta1);
      o.beta2 = number("beta2", o.beta2);
      o.eps = number("eps", o.eps);
    }
    c.optimizer = o;
    return;
  }
  ScheduleConfig& s = c.schedule;
  if (setting == "warmup") {
    s.warmupSteps = static_cast<int64_t>(number("steps", 0));
    s.warmupStartFactor = number("start_factor", 1.0 / 3.0);
    return;
  }
  // A schedule replaces the decay but keeps a warm-up set before it.
  ScheduleConfig fresh;
  fresh.warmupSteps = s.warmupSteps;
  fresh.warmupStartFactor = s.warmupStartFactor;
  if (fn == "constant") {
    fresh.kind = ScheduleKind::Constant;
  } else if (fn == "step") {
    fresh.kind = ScheduleKind::Step;
    fresh.stepSize = static_cast<int64_t>(number("step_size", 1));
    fresh.gamma = number("gamma", 0.1);
  } else if (fn == "multistep") {
    fresh.kind = ScheduleKind::MultiStep;
    fresh.milestones = vals[0]->list;
    fresh.gamma = number("gamma", 0.1);
  } else {
    fresh.kind = ScheduleKind::Cosine;
    fresh.tMax = static_cast<int64_t>(number("t_max", 0));
    fresh.etaMin = number("eta_min", 0.0);
  }
  s = fresh;
}

void Elaborator::checkUnknownSettings() {
  std::vector<std::string> settings(std::begin(kSettingNames), std::end(kSettingNames));
  std::set<std::string> seen;
  for (auto& r : rootScalars_) {
    if (rootReads_.count(r.name) || !seen.insert(r.name).second) continue;
    std::string near = closestName(r.name, settings);
    if (!near.empty()) {
      error(r.span, "unknown setting '" + r.name + "'", {"did you mean '" + near + "'?"});
    } else if (r.config) {
      std::string all;
      for (auto& n : settings)
        all += (all.empty() ? "" : ", ") + n;
      error(r.span, "unknown setting '" + r.name + "'", {"the settings are " + all});
    }
  }
}

} // namespace llie::elab
