// Builtins of the .llie language: compile-time functions (range, len, channels, shape, ...),
// settings (optimizers, schedules, initialisers; train entries read them in settings.cpp),
// constant tensors (gaussian_window, tensor), layers that create their own parameters
// (conv2d, batchnorm, linear, ...), sugar over ops (upsample, split, concat, ...), and the
// generic binder: any op of ops.def can be called by its name, tensors first, its attribute
// fields taken from keyword (or further positional) arguments. That is why a new op needs no
// code here.
#include "compiler/frontend/elaborator.h"
#include "compiler/ops/shape_rules.h"

#include <cmath>

namespace llie::elab {

namespace {

const char* const kLayers[] = {"conv2d",    "conv_transpose2d", "batchnorm", "instancenorm",
                               "layernorm", "linear",           "prelu"};
const char* const kCompileTime[] = {"range", "len", "channels", "shape", "int", "float", "str"};
const char* const kSettings[] = {
    "adam",      "adamw", "sgd",  "constant_lr", "step_lr",         "multistep_lr",
    "cosine_lr", "zeros", "ones", "normal",      "kaiming_uniform", "uniform_fan_in"};
const char* const kConstants[] = {"gaussian_window", "tensor"};
const char* const kSugar[] = {"upsample",  "split",       "chunk", "narrow",     "flatten",
                              "transpose", "mean",        "sum",   "max",        "min",
                              "softmax",   "log_softmax", "pad",   "max_pool2d", "avg_pool2d",
                              "concat",    "pow",         "where"};

// Binds keyword/positional compile-time arguments to the fields of an attribute struct.
struct FieldBinder {
  Elaborator& el;
  Args& args;
  SourceSpan span;
  size_t nextPos; // next positional argument not yet consumed
  std::vector<std::string> fieldNames;
  std::vector<bool> kwUsed;
  bool ok = true;

  const CValue* take(const char* name, SourceSpan& where) {
    for (size_t k = 0; k < args.kw.size(); ++k)
      if (args.kw[k].first == name) {
        kwUsed[k] = true;
        where = args.kwSpans[k];
        return &args.kw[k].second;
      }
    if (nextPos < args.pos.size()) {
      where = args.posSpans[nextPos];
      return &args.pos[nextPos++];
    }
    return nullptr;
  }
  void bad(SourceSpan where, const char* name, const std::string& want, const CValue& v) {
    el.error(where,
             std::string("argument '") + name + "' expects " + want + ", got " + kindName(v));
    ok = false;
  }
  void operator()(const char* name, int64_t& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    if (const CValue* v = take(name, w)) {
      if (v->kind == CValue::Int)
        f = v->i;
      else
        bad(w, name, "an int", *v);
    }
  }
  void operator()(const char* name, double& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    if (const CValue* v = take(name, w)) {
      if (v->isNumber())
        f = v->number();
      else
        bad(w, name, "a number", *v);
    }
  }
  void operator()(const char* name, bool& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    if (const CValue* v = take(name, w)) {
      if (v->kind == CValue::Bool)
        f = v->b;
      else
        bad(w, name, "a bool", *v);
    }
  }
  void operator()(const char* name, std::string& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    if (const CValue* v = take(name, w)) {
      if (v->kind == CValue::Str)
        f = v->s;
      else
        bad(w, name, "a string", *v);
    }
  }
  void operator()(const char* name, std::vector<int64_t>& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    const CValue* v = take(name, w);
    if (!v) return;
    std::vector<int64_t> vals;
    if (v->kind == CValue::Int)
      vals.push_back(v->i);
    else if (v->kind == CValue::List) {
      for (auto& it : v->items) {
        if (it.kind != CValue::Int) return bad(w, name, "a list of ints", *v);
        vals.push_back(it.i);
      }
    } else
      return bad(w, name, "an int or a list of ints", *v);
    // A single value fills every slot; {a, b} fills 4-slot paddings as {a, a, b, b}.
    if (f.size() > 1 && vals.size() == 1)
      vals.assign(f.size(), vals[0]);
    else if (f.size() == 4 && vals.size() == 2)
      vals = {vals[0], vals[0], vals[1], vals[1]};
    f = vals;
  }
  void operator()(const char* name, std::vector<double>& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    const CValue* v = take(name, w);
    if (!v) return;
    if (v->kind != CValue::List) return bad(w, name, "a list of numbers", *v);
    f.clear();
    for (auto& it : v->items) {
      if (!it.isNumber()) return bad(w, name, "a list of numbers", *v);
      f.push_back(it.number());
    }
  }
  void operator()(const char* name, Dim& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    if (const CValue* v = take(name, w)) {
      if (v->isIntLike())
        f = v->asDim();
      else
        bad(w, name, "a size", *v);
    }
  }
  void operator()(const char* name, std::vector<Dim>& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    const CValue* v = take(name, w);
    if (!v) return;
    if (v->kind != CValue::List) return bad(w, name, "a list of sizes", *v);
    f.clear();
    for (auto& it : v->items) {
      if (!it.isIntLike()) return bad(w, name, "a list of sizes", *v);
      f.push_back(it.asDim());
    }
  }
  template <class E>
  requires std::is_enum_v<E>
  void operator()(const char* name, E& f) {
    fieldNames.push_back(name);
    SourceSpan w;
    const CValue* v = take(name, w);
    if (!v) return;
    const auto& names = EnumNames<E>::names;
    if (v->kind == CValue::Str)
      for (size_t i = 0; i < names.size(); ++i)
        if (v->s == names[i]) {
          f = static_cast<E>(i);
          return;
        }
    std::string all;
    for (auto* n : names)
      all += std::string(all.empty() ? "" : ", ") + "\"" + n + "\"";
    bad(w, name, "one of " + all, *v);
  }
};

} // namespace

bool Elaborator::isLayer(const std::string& name) {
  for (auto* l : kLayers)
    if (name == l) return true;
  return false;
}

std::vector<std::string> Elaborator::builtinNames() {
  std::vector<std::string> r;
  for (auto* a : kLayers)
    r.push_back(a);
  for (auto* a : kCompileTime)
    r.push_back(a);
  for (auto* a : kSettings)
    r.push_back(a);
  for (auto* a : kSugar)
    r.push_back(a);
  for (auto* a : kConstants)
    r.push_back(a);
  for (size_t i = 0; i < kNumOps; ++i) {
    const OpInfo& info = opInfo(static_cast<OpKind>(i));
    if (info.category != OpCategory::Source && !(info.flags & kPassOnly)) r.push_back(info.name);
  }
  return r;
}

namespace {

// Splits leading tensor positionals from the rest (for the generic binder).
size_t countTensorPositionals(const Args& a) {
  size_t n = 0;
  while (n < a.pos.size() && a.pos[n].kind == CValue::Tensor)
    ++n;
  return n;
}

std::string opSignatureHint(OpKind k) {
  const OpInfo& info = opInfo(k);
  std::string fields;
  Attrs attrs = defaultAttrs(k);
  std::visit(
      [&](auto& a) {
        a.fields(
            [&](const char* n, auto&) { fields += std::string(fields.empty() ? "" : ", ") + n; });
      },
      attrs);
  return std::string(info.name) + " takes " + std::to_string(info.minInputs) +
         (info.maxInputs != info.minInputs ? "-" + std::to_string(info.maxInputs) : "") +
         " tensors" + (fields.empty() ? "" : "; settings: " + fields);
}

} // namespace

std::optional<CValue> Elaborator::callBuiltin(const std::string& name, Args& a, SourceSpan span,
                                              SourceSpan calleeSpan) {
  ArgReader rd{*this, a, name, span};

  // ---- compile-time functions --------------------------------------------------------------
  if (name == "range") {
    int64_t lo = 0, hi = 0, step = 1;
    if (a.pos.size() == 1)
      hi = rd.intArg("stop", 0, 0);
    else
      lo = rd.intArg("start", 0, 0), hi = rd.intArg("stop", 1, 0), step = rd.intArg("step", 2, 1);
    if (step == 0) {
      error(span, "range: step must not be 0");
      return CValue::poison();
    }
    CValue l{CValue::List};
    for (int64_t i = lo; step > 0 ? i < hi : i > hi; i += step)
      l.items.push_back(CValue::ofInt(i));
    return l;
  }
  if (name == "len") {
    if (a.pos.size() == 1 && (a.pos[0].kind == CValue::List || a.pos[0].kind == CValue::Record))
      return CValue::ofInt(static_cast<int64_t>(a.pos[0].items.size()));
    error(span, "len: expects a list");
    return CValue::poison();
  }
  if (name == "channels" || name == "shape") {
    if (a.pos.size() != 1 || a.pos[0].kind != CValue::Tensor) {
      error(span, name + ": expects one tensor");
      return CValue::poison();
    }
    const Shape& s = g_.type(a.pos[0].t).shape;
    if (name == "channels") {
      if (s.size() < 2) {
        error(span,
              "channels: the tensor has rank " + std::to_string(s.size()) + ", no channel axis");
        return CValue::poison();
      }
      return CValue::ofDim(s[1]);
    }
    CValue l{CValue::List};
    for (auto& d : s)
      l.items.push_back(CValue::ofDim(d));
    return l;
  }
  if (name == "int" || name == "float" || name == "str") {
    if (a.pos.size() != 1) {
      error(span, name + ": expects one argument");
      return CValue::poison();
    }
    const CValue& v = a.pos[0];
    if (name == "str") {
      if (v.kind == CValue::Int) return CValue::ofStr(std::to_string(v.i));
      if (v.kind == CValue::Str) return v;
    } else if (v.isNumber()) {
      return name == "int" ? CValue::ofInt(static_cast<int64_t>(v.number()))
                           : CValue::ofFloat(v.number());
    }
    error(span, name + ": cannot convert " + kindName(v));
    return CValue::poison();
  }
  for (auto* s : kSettings)
    if (name == s) {
      // Positionals keep their order with an empty name (settings.cpp binds them), except for
      // the initialisers' single argument.
      bool init = name == "normal" || name == "kaiming_uniform" || name == "uniform_fan_in";
      CValue c{CValue::Config};
      c.s = name;
      for (size_t i = 0; i < a.pos.size(); ++i) {
        c.names.push_back(!init ? "" : name == "normal" ? "std" : "fan_in");
        c.items.push_back(a.pos[i]);
        c.spans.push_back(a.posSpans[i]);
      }
      for (size_t i = 0; i < a.kw.size(); ++i) {
        c.names.push_back(a.kw[i].first);
        c.items.push_back(a.kw[i].second);
        c.spans.push_back(a.kwSpans[i]);
      }
      return c;
    }

  // ---- constant tensors ----------------------------------------------------------------------
  if (name == "gaussian_window") {
    // pytorch-ssim's window: g[i] = exp(-(i - size//2)^2 / (2 sigma^2)), normalised to sum 1;
    // the window is the outer product g g^T ([size, size], sums to 1). With channels=C it is
    // repeated as the depthwise conv weight [C, 1, size, size]; with axis=2 or 3 as well, that
    // weight holds the 1-D factor g alone, laid along rows ([C, 1, size, 1]) or columns
    // ([C, 1, 1, size]): the two convs in turn blur as the 2-D window does, with 2·size taps per
    // pixel instead of size².
    int64_t size = rd.intArg("size", 0, 0);
    double sigma = rd.numArg("sigma", 1, 0.0);
    int64_t ch = rd.intArg("channels", 99, 0);
    int64_t axis = rd.intArg("axis", 99, 0);
    if (size <= 0 || !(sigma > 0)) {
      error(span,
            "gaussian_window: needs a size > 0 and a sigma > 0, e.g. gaussian_window(11, 1.5)");
      return CValue::poison();
    }
    if (a.find("channels") && ch <= 0) {
      error(span, "gaussian_window: channels must be a positive int");
      return CValue::poison();
    }
    std::vector<double> g(static_cast<size_t>(size));
    double total = 0;
    for (int64_t i = 0; i < size; ++i) {
      double d = static_cast<double>(i - size / 2);
      g[i] = std::exp(-d * d / (2.0 * sigma * sigma));
      total += g[i];
    }
    for (auto& v : g)
      v /= total;
    if (a.find("axis") && (axis != 2 && axis != 3 || ch <= 0)) {
      error(span, "gaussian_window: axis (2 or 3) gives the 1-D factor of a depthwise weight and "
                  "needs channels, e.g. gaussian_window(11, 1.5, channels=3, axis=2)");
      return CValue::poison();
    }
    const bool factor = a.find("axis") != nullptr;
    std::vector<double> w;
    if (factor)
      w = g;
    else
      for (int64_t r = 0; r < size; ++r)
        for (int64_t c = 0; c < size; ++c)
          w.push_back(g[r] * g[c]);
    if (ch <= 0) return constantTensor({Dim::constant(size), Dim::constant(size)}, w, span);
    std::vector<double> rep;
    for (int64_t c = 0; c < ch; ++c)
      rep.insert(rep.end(), w.begin(), w.end());
    const int64_t rows = !factor || axis == 2 ? size : 1, cols = !factor || axis == 3 ? size : 1;
    return constantTensor(
        {Dim::constant(ch), Dim::constant(1), Dim::constant(rows), Dim::constant(cols)}, rep, span);
  }
  if (name == "tensor") {
    // tensor([[1, 0], [0, -1]]): a constant from nested lists of numbers, shaped by the nesting.
    if (a.pos.size() != 1 || !a.kw.empty()) {
      error(span, "tensor: expects one (nested) list of numbers, e.g. tensor([0.39, 0.5, 0.11])");
      return CValue::poison();
    }
    Shape shape;
    std::vector<double> data;
    bool ok = true;
    auto walk = [&](auto&& self, const CValue& v, size_t depth) -> void {
      if (!ok) return;
      if (v.isNumber() || v.kind == CValue::Bool) {
        if (depth != shape.size()) ok = false;
        data.push_back(v.kind == CValue::Bool ? (v.b ? 1.0 : 0.0) : v.number());
        return;
      }
      if (v.kind != CValue::List || v.items.empty()) {
        ok = false;
        return;
      }
      int64_t n = static_cast<int64_t>(v.items.size());
      if (depth == shape.size() && data.empty())
        shape.push_back(Dim::constant(n));
      else if (depth >= shape.size() || shape[depth].off != n) {
        ok = false;
        return;
      }
      for (auto& it : v.items)
        self(self, it, depth + 1);
    };
    walk(walk, a.pos[0], 0);
    if (!ok || shape.empty()) {
      error(a.posSpans[0],
            "tensor: expects a non-empty, rectangular (nested) list of numbers, got " +
                kindName(a.pos[0]));
      return CValue::poison();
    }
    return constantTensor(shape, data, span);
  }

  if (isLayer(name)) return callLayer(name, a, rd, span);

  // ---- sugar over ops ------------------------------------------------------------------------
  if (name == "upsample") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    int64_t f = rd.intArg("scale", 1, 2);
    ResizeAttrs at;
    at.alignCorners = rd.boolArg("align_corners", false);
    const CValue* m = a.find("mode");
    std::string mode = m && m->kind == CValue::Str ? m->s : "nearest";
    if (mode != "nearest" && mode != "bilinear") {
      error(span, "upsample: mode must be \"nearest\" or \"bilinear\"");
      return CValue::poison();
    }
    at.mode = mode == "nearest" ? ResizeMode::Nearest : ResizeMode::Bilinear;
    if (xs.size() < 3) {
      error(span, "upsample: needs an [N, C, H, W] input");
      return CValue::poison();
    }
    at.size = {dimMul(xs[xs.size() - 2], f), dimMul(xs[xs.size() - 1], f)};
    return emit(OpKind::Resize, at, {x.t}, span);
  }
  if (name == "split" || name == "chunk") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    int64_t axisArg = rd.intArg("axis", 2, 1);
    auto axis = normalizeAxis(axisArg, xs.size());
    if (!axis || !xs[*axis].isConst()) {
      error(span, name + ": the axis must exist and have a compile-time size");
      return CValue::poison();
    }
    int64_t total = xs[*axis].off, n = rd.intArg(name == "split" ? "size" : "chunks", 1, 1);
    if (n <= 0) {
      error(span, name + ": the count must be positive");
      return CValue::poison();
    }
    int64_t size = name == "split" ? n : (total + n - 1) / n;
    CValue l{CValue::List};
    for (int64_t s = 0; s < total; s += size) {
      SliceAttrs at{*axis, Dim::constant(s), Dim::constant(std::min(total, s + size)), 1};
      l.items.push_back(emit(OpKind::Slice, at, {x.t}, span));
    }
    return l;
  }
  if (name == "narrow") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    int64_t axis = rd.intArg("axis", 1, 1);
    const CValue* st = a.find("start");
    if (!st && a.pos.size() > 2) st = &a.pos[2];
    const CValue* ln = a.find("length");
    if (!ln && a.pos.size() > 3) ln = &a.pos[3];
    if (!st || !ln || !st->isIntLike() || !ln->isIntLike()) {
      error(span, "narrow: expects narrow(x, axis, start, length)");
      return CValue::poison();
    }
    auto stop = dimAddDim(st->asDim(), ln->asDim());
    if (!stop) {
      error(span, "narrow: cannot add these sizes");
      return CValue::poison();
    }
    return emit(OpKind::Slice, SliceAttrs{axis, st->asDim(), *stop, 1}, {x.t}, span);
  }
  if (name == "concat") {
    std::vector<ValueId> ins;
    for (size_t i = 0; i < a.pos.size(); ++i) {
      if (a.pos[i].kind == CValue::List) {
        for (auto& it : a.pos[i].items) {
          if (it.kind != CValue::Tensor) {
            error(a.posSpans[i], "concat: the list must hold tensors");
            return CValue::poison();
          }
          ins.push_back(it.t);
        }
      } else if (a.pos[i].kind == CValue::Tensor) {
        ins.push_back(a.pos[i].t);
      } else {
        error(a.posSpans[i], "concat: expects tensors, got " + kindName(a.pos[i]));
        return CValue::poison();
      }
    }
    if (ins.empty()) {
      error(span, "concat: needs at least one tensor");
      return CValue::poison();
    }
    return emit(OpKind::Concat, AxisAttrs{rd.intArg("axis", 99, 1)}, ins, span);
  }
  if (name == "flatten") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    int64_t start = rd.intArg("start", 1, 1);
    if (start < 0 || start >= static_cast<int64_t>(xs.size()) ||
        !shapeIsConst(Shape(xs.begin() + start, xs.end()))) {
      error(span, "flatten: the flattened axes must have compile-time sizes");
      return CValue::poison();
    }
    Shape out(xs.begin(), xs.begin() + start);
    int64_t n = 1;
    for (size_t i = start; i < xs.size(); ++i)
      n *= xs[i].off;
    out.push_back(Dim::constant(n));
    return emit(OpKind::Reshape, ReshapeAttrs{out}, {x.t}, span);
  }
  if (name == "transpose") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    size_t r = typeOf(x).shape.size();
    auto d0 = normalizeAxis(rd.intArg("dim0", 1, -2), r),
         d1 = normalizeAxis(rd.intArg("dim1", 2, -1), r);
    if (!d0 || !d1) {
      error(span, "transpose: axes out of range");
      return CValue::poison();
    }
    PermuteAttrs at;
    for (size_t i = 0; i < r; ++i)
      at.perm.push_back(static_cast<int64_t>(i));
    std::swap(at.perm[*d0], at.perm[*d1]);
    return emit(OpKind::Permute, at, {x.t}, span);
  }
  if (name == "mean" || name == "sum" || name == "max" || name == "min" || name == "softmax" ||
      name == "log_softmax") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    bool isSoftmax = name == "softmax" || name == "log_softmax";
    ReduceAttrs at{rd.axes(1, !isSoftmax), rd.boolArg("keepdim", false)};
    OpKind k = name == "mean"      ? OpKind::ReduceMean
               : name == "sum"     ? OpKind::ReduceSum
               : name == "max"     ? OpKind::ReduceMax
               : name == "min"     ? OpKind::ReduceMin
               : name == "softmax" ? OpKind::Softmax
                                   : OpKind::LogSoftmax;
    return emit(k, at, {x.t}, span);
  }
  if (name == "pad") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    PadAttrs at;
    FieldBinder fb{*this, a, span, 1, {}, std::vector<bool>(a.kw.size())};
    at.fields(fb);
    return fb.ok ? emit(OpKind::Pad, at, {x.t}, span) : CValue::poison();
  }
  if (name == "max_pool2d" || name == "avg_pool2d") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    Pool2dAttrs at;
    int64_t k = rd.intArg("kernel", 1, 2);
    at.kernel = {k, k};
    int64_t s = rd.intArg("stride", 2, k);
    at.stride = {s, s};
    int64_t p = rd.intArg("padding", 3, 0);
    at.pad = {p, p, p, p};
    at.ceilMode = rd.boolArg("ceil_mode", false);
    at.countIncludePad = rd.boolArg("count_include_pad", true);
    return emit(name == "max_pool2d" ? OpKind::MaxPool2d : OpKind::AvgPool2d, at, {x.t}, span);
  }
  if (name == "pow") {
    CValue x = rd.tensor(0, "a base tensor");
    if (x.kind == CValue::Poison || a.pos.size() < 2) {
      if (x.kind != CValue::Poison) error(span, "pow: expects pow(x, exponent)");
      return CValue::poison();
    }
    if (a.pos[1].isNumber())
      return emit(OpKind::PowScalar, PowScalarAttrs{a.pos[1].number()}, {x.t}, span);
    CValue e = rd.tensor(1, "an exponent");
    if (e.kind == CValue::Poison) return e;
    return emit(OpKind::Pow, NoAttrs{}, {x.t, e.t}, span);
  }
  if (name == "where") {
    if (a.pos.size() != 3) {
      error(span, "where: expects where(condition, a, b)");
      return CValue::poison();
    }
    CValue c = rd.tensor(0, "a condition"), x = rd.tensor(1, "a value"),
           y = rd.tensor(2, "a value");
    if (c.kind == CValue::Poison || x.kind == CValue::Poison || y.kind == CValue::Poison)
      return CValue::poison();
    return emit(OpKind::Where, NoAttrs{}, {c.t, x.t, y.t}, span);
  }

  // Pointwise losses share LossAttrs: smooth_l1_loss(beta=), huber_loss(delta=) (stored as
  // beta); l1_loss and mse_loss take no setting.
  if (name == "huber_loss" || name == "l1_loss" || name == "mse_loss")
    for (size_t i = 0; i < a.kw.size(); ++i) {
      std::string& kw = a.kw[i].first;
      if (name == "huber_loss" && kw == "delta") {
        kw = "beta";
      } else if (kw == "beta") {
        error(a.kwSpans[i], name + " has no setting 'beta'",
              {name == "huber_loss" ? "huber_loss's threshold is delta="
                                    : "only smooth_l1_loss (beta=) and huber_loss (delta=) "
                                      "have a setting"});
        return CValue::poison();
      }
    }

  // ---- any op of the table, by its name ------------------------------------------------------
  auto k = opFromName(name);
  if (!k || opInfo(*k).category == OpCategory::Source || (opInfo(*k).flags & kPassOnly))
    return std::nullopt;
  return callOp(*k, a, span, calleeSpan);
}

std::optional<CValue> Elaborator::callOp(OpKind op, Args& a, SourceSpan span,
                                         SourceSpan calleeSpan) {
  const std::string name = opName(op);
  const OpInfo& info = opInfo(op);
  size_t nt = countTensorPositionals(a);
  // Numbers standing where tensors are expected (e.g. maximum(x, 0.5)) become constants.
  while (nt < a.pos.size() && static_cast<int>(nt) < info.minInputs && a.pos[nt].isNumber()) {
    a.pos[nt] = constant(a.pos[nt].number(), a.posSpans[nt]);
    ++nt;
  }
  if (static_cast<int>(nt) < info.minInputs || static_cast<int>(nt) > info.maxInputs) {
    error(calleeSpan,
          name + " expects " + std::to_string(info.minInputs) +
              (info.maxInputs != info.minInputs ? " to " + std::to_string(info.maxInputs) : "") +
              " tensor arguments, got " + std::to_string(nt),
          {opSignatureHint(op)});
    return CValue::poison();
  }
  std::vector<ValueId> ins;
  for (size_t i = 0; i < nt; ++i)
    ins.push_back(a.pos[i].t);
  Attrs attrs = defaultAttrs(op);
  FieldBinder fb{*this, a, span, nt, {}, std::vector<bool>(a.kw.size())};
  std::visit([&](auto& at) { at.fields(fb); }, attrs);
  for (size_t i = 0; i < a.kw.size(); ++i)
    if (!fb.kwUsed[i] && a.kw[i].first != "name") {
      std::string near = closestName(a.kw[i].first, fb.fieldNames);
      error(a.kwSpans[i], name + " has no setting '" + a.kw[i].first + "'",
            {near.empty() ? opSignatureHint(op) : "did you mean '" + near + "'?"});
      fb.ok = false;
    }
  if (fb.nextPos < a.pos.size()) {
    error(a.posSpans[fb.nextPos], name + ": too many arguments", {opSignatureHint(op)});
    fb.ok = false;
  }
  if (!fb.ok) return CValue::poison();
  return emit(op, std::move(attrs), ins, span);
}

CValue ArgReader::tensor(size_t i, const char* what) {
  if (i >= a.pos.size()) {
    el.error(span, name + ": missing " + what);
    return CValue::poison();
  }
  return el.toTensor(a.pos[i], a.posSpans[i], name + ": " + what);
}

int64_t ArgReader::intArg(const char* key, size_t pos, int64_t def) {
  const CValue* v = a.find(key);
  if (!v && pos < a.pos.size()) v = &a.pos[pos];
  if (!v) return def;
  if (v->kind != CValue::Int) {
    el.error(span, name + ": '" + key + "' must be an int, got " + kindName(*v));
    return def;
  }
  return v->i;
}

double ArgReader::numArg(const char* key, size_t pos, double def) {
  const CValue* v = a.find(key);
  if (!v && pos < a.pos.size()) v = &a.pos[pos];
  if (!v) return def;
  if (!v->isNumber()) {
    el.error(span, name + ": '" + key + "' must be a number, got " + kindName(*v));
    return def;
  }
  return v->number();
}

bool ArgReader::boolArg(const char* key, bool def) {
  const CValue* v = a.find(key);
  if (!v) return def;
  if (v->kind != CValue::Bool) {
    el.error(span, name + ": '" + key + "' must be true or false");
    return def;
  }
  return v->b;
}

std::vector<int64_t> ArgReader::axes(int64_t defAxis, bool allByDefault) {
  const CValue* v = a.find("axes");
  if (!v) v = a.find("axis");
  if (!v && a.pos.size() > 1) v = &a.pos[1];
  if (!v) return allByDefault ? std::vector<int64_t>{} : std::vector<int64_t>{defAxis};
  if (v->kind == CValue::Int) return {v->i};
  std::vector<int64_t> r;
  if (v->kind == CValue::List)
    for (auto& it : v->items)
      if (it.kind == CValue::Int) r.push_back(it.i);
  if (v->kind != CValue::List || r.size() != v->items.size())
    el.error(span, name + ": axes must be an int or a list of ints");
  return r;
}

} // namespace llie::elab
