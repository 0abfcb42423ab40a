// Shape rules for every op in ops.def, one small function per op family, keyed by OpKind in
// shapeRuleFor(); the sliding-window families (conv, conv transpose, pool) are in
// spatial_shape_rules.cpp. Spatial rules do their arithmetic on Dims, so that symbolic heights
// like H/8 flow through and a stride the symbol cannot take exactly becomes an error with a
// "require H % d == 0" hint.
#include "compiler/ops/shape_rules.h"
#include "compiler/ops/fused_expr.h"
#include "compiler/ops/shape_rule_util.h"

#include <algorithm>
#include <numeric>

namespace llie {

namespace {

using namespace shape_rules;

// ---- families ------------------------------------------------------------------------------

Result declaredRule(const ShapeQuery& q) {
  if (q.declared.size() != 1) return err(std::string(opName(q.op)) + ": missing declared type");
  return one(q.declared[0]);
}

Result unaryRule(const ShapeQuery& q) {
  return one(q.inputs[0]);
}

Result complexToRealRule(const ShapeQuery& q) {
  if (q.inputs[0].dtype != DType::C64)
    return err(std::string(opName(q.op)) + " expects a complex (c64) tensor");
  return one({DType::F32, q.inputs[0].shape});
}

Result broadcastRule(const ShapeQuery& q) {
  Shape out = q.inputs[0].shape;
  DType dt = q.inputs[0].dtype;
  size_t first = q.op == OpKind::Where ? 1 : 0;
  if (q.op == OpKind::Where) dt = q.inputs[1].dtype;
  for (size_t i = 1; i < q.inputs.size(); ++i) {
    auto b = broadcastShapes(out, q.inputs[i].shape);
    if (!b)
      return err(std::string(opName(q.op)) + ": shapes " + shp(q, out) + " and " +
                     shp(q, q.inputs[i].shape) + " cannot be broadcast together",
                 {"each dimension must be equal, or 1 in one of them"});
    out = *b;
    const bool complexMix = dt == DType::C64 || q.inputs[i].dtype == DType::C64;
    if (i >= first && q.inputs[i].dtype != dt && (isFloat(dt) || complexMix))
      return err(std::string(opName(q.op)) + ": dtypes differ (" + dtypeName(dt) + " vs " +
                 dtypeName(q.inputs[i].dtype) + ")");
  }
  switch (q.op) {
  case OpKind::Equal:
  case OpKind::Less:
  case OpKind::LessEqual:
  case OpKind::Greater:
  case OpKind::GreaterEqual:
    dt = DType::Bool;
    break;
  case OpKind::Polar:
    dt = DType::C64;
    break;
  default:
    break;
  }
  return one({dt, out});
}

Result matmulRule(const ShapeQuery& q) {
  auto& a = std::get<MatMulAttrs>(q.attrs);
  Shape A = q.inputs[0].shape, B = q.inputs[1].shape;
  if (A.size() < 2 || B.size() < 2) return err("matmul: both operands need rank >= 2");
  if (a.transA) std::swap(A[A.size() - 1], A[A.size() - 2]);
  if (a.transB) std::swap(B[B.size() - 1], B[B.size() - 2]);
  if (!(A.back() == B[B.size() - 2]))
    return err("matmul: inner dimensions differ: " + shp(q, A) + " @ " + shp(q, B));
  Shape ba(A.begin(), A.end() - 2), bb(B.begin(), B.end() - 2);
  auto batch = broadcastShapes(ba, bb);
  if (!batch) return err("matmul: batch dimensions cannot be broadcast");
  Shape out = *batch;
  out.push_back(A[A.size() - 2]);
  out.push_back(B.back());
  if (q.inputs.size() == 3) {
    auto withBias = broadcastShapes(out, q.inputs[2].shape);
    if (!withBias || !(*withBias == out))
      return err("matmul: bias " + shp(q, q.inputs[2].shape) +
                     " does not broadcast to the product's shape " + shp(q, out),
                 {"a linear layer's bias has shape [out_features]"});
  }
  return one({q.inputs[0].dtype, out});
}

Result normRule(const ShapeQuery& q) {
  const Epilogue act = std::get<NormAttrs>(q.attrs).epilogue;
  if (act != Epilogue::None && ((act != Epilogue::Relu && act != Epilogue::Relu6) ||
                                (q.op != OpKind::BatchNorm && q.op != OpKind::BatchNormTrain)))
    return err(std::string(opName(q.op)) + ": epilogue must be none (relu or relu6 on batchnorm)");
  if (q.op == OpKind::BatchNorm || q.op == OpKind::BatchNormTrain || q.op == OpKind::InstanceNorm) {
    if (q.inputs[0].shape.size() < 2) return err(std::string(opName(q.op)) + ": input rank < 2");
    const Dim& c = q.inputs[0].shape[1];
    auto& nrm = std::get<NormAttrs>(q.attrs);
    Dim want = (q.op == OpKind::InstanceNorm && nrm.channels > 0) ? Dim::constant(nrm.channels) : c;
    for (size_t i = 1; i < q.inputs.size(); ++i)
      if (q.inputs[i].shape.size() != 1 || !(q.inputs[i].shape[0] == want))
        return err(std::string(opName(q.op)) + ": parameter " + std::to_string(i) +
                   " must have shape [" + dimToString(want, q.syms) + "], got " +
                   shp(q, q.inputs[i].shape));
  }
  if (q.op == OpKind::LayerNorm) {
    if (q.inputs[0].shape.empty()) return err("layernorm: input rank 0");
    const Dim& c = q.inputs[0].shape.back();
    for (size_t i = 1; i < q.inputs.size(); ++i)
      if (q.inputs[i].shape.size() != 1 || !(q.inputs[i].shape[0] == c))
        return err("layernorm: parameter " + std::to_string(i) + " must have shape [" +
                   dimToString(c, q.syms) + "] (the last axis), got " + shp(q, q.inputs[i].shape));
  }
  if (q.op == OpKind::L2Normalize &&
      !normalizeAxis(std::get<NormAttrs>(q.attrs).axis, q.inputs[0].shape.size()))
    return err("l2_normalize: axis " + std::to_string(std::get<NormAttrs>(q.attrs).axis) +
               " is out of range for rank " + std::to_string(q.inputs[0].shape.size()));
  return one(q.inputs[0]);
}

Expected<std::vector<int64_t>> normAxes(const ShapeQuery& q, const std::vector<int64_t>& axes) {
  size_t rank = q.inputs[0].shape.size();
  std::vector<int64_t> out;
  if (axes.empty()) {
    out.resize(rank);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  for (int64_t ax : axes) {
    auto a = normalizeAxis(ax, rank);
    if (!a)
      return err(std::string(opName(q.op)) + ": axis " + std::to_string(ax) +
                 " is out of range for rank " + std::to_string(rank));
    out.push_back(*a);
  }
  return out;
}

Shape reducedShape(const Shape& in, const std::vector<int64_t>& axes, bool keep) {
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    bool red = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
    if (!red)
      out.push_back(in[i]);
    else if (keep)
      out.push_back(Dim::constant(1));
  }
  return out;
}

Result reduceRule(const ShapeQuery& q) {
  auto& a = std::get<ReduceAttrs>(q.attrs);
  LLIE_ASSIGN_OR_RETURN(auto axes, normAxes(q, a.axes));
  if (q.op == OpKind::Softmax || q.op == OpKind::LogSoftmax) return one(q.inputs[0]);
  return one({q.inputs[0].dtype, reducedShape(q.inputs[0].shape, axes, a.keepdim)});
}

Result argmaxRule(const ShapeQuery& q) {
  auto& a = std::get<AxisAttrs>(q.attrs);
  LLIE_ASSIGN_OR_RETURN(auto axes, normAxes(q, {a.axis}));
  return one({DType::I64, reducedShape(q.inputs[0].shape, axes, false)});
}

Result kthRule(const ShapeQuery& q) {
  auto& a = std::get<KthValueAttrs>(q.attrs);
  LLIE_ASSIGN_OR_RETURN(auto axes, normAxes(q, a.axes));
  return one({q.inputs[0].dtype, reducedShape(q.inputs[0].shape, axes, true)});
}

Result resizeRule(const ShapeQuery& q) {
  auto& a = std::get<ResizeAttrs>(q.attrs);
  const Shape& x = q.inputs[0].shape;
  if (x.size() < 3 || a.size.size() != 2)
    return err("resize: needs an input of rank >= 3 and a size of two dims");
  Shape out = x;
  out[out.size() - 2] = a.size[0];
  out[out.size() - 1] = a.size[1];
  return one({q.inputs[0].dtype, out});
}

Result pixelShuffleRule(const ShapeQuery& q) {
  int64_t r = std::get<PixelShuffleAttrs>(q.attrs).factor;
  LLIE_RETURN_IF_ERROR(needRank(q, 0, 4, "the input"));
  Shape s = q.inputs[0].shape;
  if (q.op == OpKind::PixelShuffle) {
    auto c = dimExactDiv(s[1], r * r, q.syms);
    if (!c)
      return err("pixel_shuffle: channels " + dimToString(s[1], q.syms) + " are not divisible by " +
                 std::to_string(r * r));
    return one({q.inputs[0].dtype, {s[0], *c, dimMul(s[2], r), dimMul(s[3], r)}});
  }
  auto h = dimExactDiv(s[2], r, q.syms), w = dimExactDiv(s[3], r, q.syms);
  if (!h || !w)
    return err("pixel_unshuffle: spatial size " + shp(q, s) + " is not known to be divisible by " +
               std::to_string(r));
  return one({q.inputs[0].dtype, {s[0], dimMul(s[1], r * r), *h, *w}});
}

Result concatRule(const ShapeQuery& q) {
  int64_t axis = std::get<AxisAttrs>(q.attrs).axis;
  Shape out = q.inputs[0].shape;
  auto ax = normalizeAxis(axis, out.size());
  if (!ax) return err("concat: axis " + std::to_string(axis) + " is out of range");
  for (size_t i = 1; i < q.inputs.size(); ++i) {
    const Shape& s = q.inputs[i].shape;
    if (s.size() != out.size())
      return err("concat: inputs have different ranks: " + shp(q, q.inputs[0].shape) + " vs " +
                 shp(q, s));
    for (size_t d = 0; d < s.size(); ++d) {
      if (static_cast<int64_t>(d) == *ax) continue;
      if (!(s[d] == out[d]))
        return err("concat: inputs disagree in dimension " + std::to_string(d) + ": " +
                   shp(q, q.inputs[0].shape) + " vs " + shp(q, s));
    }
    auto sum = dimAddDim(out[*ax], s[*ax]);
    if (!sum) return err("concat: cannot add symbolic sizes along the concat axis");
    out[*ax] = *sum;
  }
  return one({q.inputs[0].dtype, out});
}

Result sliceRule(const ShapeQuery& q) {
  auto& a = std::get<SliceAttrs>(q.attrs);
  Shape out = q.inputs[0].shape;
  auto ax = normalizeAxis(a.axis, out.size());
  if (!ax) return err("slice: axis out of range");
  if (a.step < 1) return err("slice: step must be positive");
  auto len = dimSubDim(a.stop, a.start);
  if (!len) return err("slice: cannot subtract symbolic bounds");
  auto n = dimFloorDiv(dimAdd(*len, a.step - 1), a.step, q.syms);
  if (!n) return err("slice: the length is not known to be divisible by the step");
  if (n->isConst() && n->off <= 0) return err("slice: empty range");
  const Dim& full = out[*ax];
  if (full.isConst() && a.stop.isConst() && a.stop.off > full.off)
    return err("slice: stop " + std::to_string(a.stop.off) + " exceeds the size " +
               std::to_string(full.off));
  out[*ax] = *n;
  return one({q.inputs[0].dtype, out});
}

Result reshapeRule(const ShapeQuery& q) {
  auto& a = std::get<ReshapeAttrs>(q.attrs);
  const Shape& in = q.inputs[0].shape;
  int inferAt = -1;
  for (size_t i = 0; i < a.shape.size(); ++i)
    if (a.shape[i].isConst() && a.shape[i].off == -1) {
      if (inferAt >= 0) return err("reshape: only one dimension may be -1");
      inferAt = static_cast<int>(i);
    }
  Shape out = a.shape;
  if (shapeIsConst(in)) {
    int64_t total = shapeNumel(in), known = 1;
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != inferAt) {
        if (!out[i].isConst()) return err("reshape: symbolic target for a constant input");
        known *= out[i].off;
      }
    if (inferAt >= 0) {
      if (known == 0 || total % known != 0)
        return err("reshape: cannot reshape " + shp(q, in) + " into " + shp(q, a.shape));
      out[inferAt] = Dim::constant(total / known);
    } else if (known != total) {
      return err("reshape: " + shp(q, in) + " has " + std::to_string(total) +
                 " elements, the target " + shp(q, a.shape) + " has " + std::to_string(known));
    }
    return one({q.inputs[0].dtype, out});
  }
  if (inferAt >= 0)
    return err("reshape: -1 cannot be inferred for the symbolic shape " + shp(q, in),
               {"spell the target dims out with shape(x)[i] queries"});
  return one({q.inputs[0].dtype, out});
}

Result permuteRule(const ShapeQuery& q) {
  auto& a = std::get<PermuteAttrs>(q.attrs);
  const Shape& in = q.inputs[0].shape;
  if (a.perm.size() != in.size()) return err("permute: the permutation has the wrong length");
  std::vector<int64_t> seen(in.size(), 0);
  Shape out;
  for (int64_t p : a.perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p]++)
      return err("permute: not a permutation");
    out.push_back(in[p]);
  }
  return one({q.inputs[0].dtype, out});
}

Result padRule(const ShapeQuery& q) {
  auto& a = std::get<PadAttrs>(q.attrs);
  Shape out = q.inputs[0].shape;
  if (out.size() < 2 || a.pads.size() != 4) return err("pad: needs rank >= 2 and four pads");
  size_t r = out.size();
  if (a.mode == PadMode::Reflect) {
    for (int i = 0; i < 2; ++i) {
      const Dim& d = out[r - 2 + i];
      int64_t p = std::max(a.pads[2 * i], a.pads[2 * i + 1]);
      if (d.isConst() && p >= d.off)
        return err("pad: reflect padding " + std::to_string(p) + " must be smaller than the size " +
                   std::to_string(d.off));
    }
  }
  out[r - 2] = dimAdd(out[r - 2], a.pads[0] + a.pads[1]);
  out[r - 1] = dimAdd(out[r - 1], a.pads[2] + a.pads[3]);
  return one({q.inputs[0].dtype, out});
}

Result expandRule(const ShapeQuery& q) {
  auto& a = std::get<ExpandAttrs>(q.attrs);
  auto b = broadcastShapes(q.inputs[0].shape, a.shape);
  if (!b || !(*b == a.shape))
    return err("expand: cannot expand " + shp(q, q.inputs[0].shape) + " to " + shp(q, a.shape));
  return one({q.inputs[0].dtype, a.shape});
}

// rfft2 and irfft2_grad: real [.., H, W] -> complex [.., H, W//2+1].
Result rfftRule(const ShapeQuery& q) {
  const std::string name = opName(q.op);
  Shape s = q.inputs[0].shape;
  if (s.size() < 2 || !isFloat(q.inputs[0].dtype))
    return err(name + ": needs a real tensor of rank >= 2");
  auto half = dimFloorDiv(s.back(), 2, q.syms);
  if (!half) return err(name + ": width must be known to be even or constant");
  s.back() = dimAdd(*half, 1);
  return one({DType::C64, s});
}

// irfft2 and rfft2_grad: complex [.., H, W//2+1] -> real [.., size[0], size[1]].
Result irfftRule(const ShapeQuery& q) {
  const std::string name = opName(q.op);
  auto& a = std::get<FftAttrs>(q.attrs);
  Shape s = q.inputs[0].shape;
  if (s.size() < 2 || q.inputs[0].dtype != DType::C64 || a.size.size() != 2)
    return err(name + ": needs a complex tensor of rank >= 2 and a size of two dims");
  if (!(s[s.size() - 2] == a.size[0]))
    return err(name + ": the spectrum has " + dimToString(s[s.size() - 2], q.syms) +
               " rows but size[0] is " + dimToString(a.size[0], q.syms));
  auto half = dimFloorDiv(a.size[1], 2, q.syms);
  if (half && !(dimAdd(*half, 1) == s.back()))
    return err(name + ": a width of " + dimToString(a.size[1], q.syms) + " needs " +
               dimToString(dimAdd(*half, 1), q.syms) + " spectrum columns, got " +
               dimToString(s.back(), q.syms));
  s[s.size() - 2] = a.size[0];
  s[s.size() - 1] = a.size[1];
  return one({DType::F32, s});
}

// complex_abs_grad and complex_angle_grad: (z, dy) -> dz like z.
Result complexGradRule(const ShapeQuery& q) {
  if (q.inputs[0].dtype != DType::C64 || !isFloat(q.inputs[1].dtype) ||
      !(q.inputs[1].shape == q.inputs[0].shape))
    return err(std::string(opName(q.op)) + ": needs a complex z and a real dy of z's shape");
  return one({DType::C64, q.inputs[0].shape});
}

// polar_grad(A, Φ, dz) -> (dA, dΦ), both real at dz's shape.
Result polarGradRule(const ShapeQuery& q) {
  if (q.inputs[2].dtype != DType::C64) return err("polar_grad: dz must be complex");
  TensorType t{DType::F32, q.inputs[2].shape};
  return std::vector<TensorType>{t, t};
}

// fused_elementwise: NumPy broadcasting of every input; f32, with bool inputs exactly where the
// program reads a where's condition.
Result fusedElementwiseRule(const ShapeQuery& q) {
  const auto& a = std::get<FusedElementwiseAttrs>(q.attrs);
  auto prog = parseFusedProgram(a.expr, static_cast<int32_t>(q.inputs.size()));
  if (!prog.ok()) return err(prog.status().message());
  auto cond = fusedConditionInputs(*prog);
  if (!cond.ok()) return err(cond.status().message());
  Shape out;
  for (size_t i = 0; i < q.inputs.size(); ++i) {
    DType want = (*cond)[i] ? DType::Bool : DType::F32;
    if (q.inputs[i].dtype != want)
      return err("fused_elementwise: input " + std::to_string(i) + " is " +
                 dtypeName(q.inputs[i].dtype) + ", expected " + dtypeName(want));
    auto b = broadcastShapes(out, q.inputs[i].shape);
    if (!b)
      return err("fused_elementwise: shapes " + shp(q, out) + " and " + shp(q, q.inputs[i].shape) +
                 " cannot be broadcast together");
    out = *b;
  }
  return one({DType::F32, out});
}

Result assignRule(const ShapeQuery& q) {
  auto b = broadcastShapes(q.inputs[0].shape, q.inputs[1].shape);
  if (!b || !(*b == q.inputs[0].shape))
    return err("assign: the value " + shp(q, q.inputs[1].shape) + " does not fit the state " +
               shp(q, q.inputs[0].shape));
  return one(q.inputs[0]);
}

Result pointLossRule(const ShapeQuery& q) {
  if (!(q.inputs[0].shape == q.inputs[1].shape))
    return err(std::string(opName(q.op)) + ": prediction " + shp(q, q.inputs[0].shape) +
               " and target " + shp(q, q.inputs[1].shape) + " differ in shape");
  return one({q.inputs[0].dtype, {}});
}

// ---- training ops -----------------------------------------------------------------------------

Result batchNormTrainRule(const ShapeQuery& q) {
  auto y = normRule(q);
  if (!y) return y;
  TensorType stat = q.inputs[3];
  return std::vector<TensorType>{(*y)[0], stat, stat, stat, stat};
}

// drop_path_train(x, step): like x; step is a scalar.
Result dropPathTrainRule(const ShapeQuery& q) {
  if (!q.inputs[1].shape.empty()) return err("drop_path_train: step must be a scalar");
  return one(q.inputs[0]);
}

// Optimizer updates: the gradient and every moment buffer match the parameter; lr and step are
// scalars. Outputs: the parameter, then the buffers.
Result optimizerRule(const ShapeQuery& q) {
  const size_t nbuf = q.op == OpKind::AdamUpdate ? 2 : 1;
  for (size_t i = 1; i <= 1 + nbuf; ++i)
    if (!(q.inputs[i].shape == q.inputs[0].shape))
      return err(std::string(opName(q.op)) + ": input " + std::to_string(i) + " " +
                 shp(q, q.inputs[i].shape) + " does not match the parameter " +
                 shp(q, q.inputs[0].shape));
  for (size_t i = 2 + nbuf; i < q.inputs.size(); ++i)
    if (!q.inputs[i].shape.empty())
      return err(std::string(opName(q.op)) + ": lr and step must be scalars");
  return std::vector<TensorType>(1 + nbuf, q.inputs[0]);
}

// Gradient ops: the result has the shape of the forward input it differentiates, passed first
// (second for the conv weight); dy is last.
Result likeFirstRule(const ShapeQuery& q) {
  return one({DType::F32, q.inputs[0].shape});
}

Result convWeightGradRule(const ShapeQuery& q) {
  return one({DType::F32, q.inputs[1].shape});
}

Result batchNormGradRule(const ShapeQuery& q) {
  if (!(q.inputs[4].shape == q.inputs[0].shape))
    return err("batchnorm_grad: dy " + shp(q, q.inputs[4].shape) + " differs from x " +
               shp(q, q.inputs[0].shape));
  TensorType c = q.inputs[1];
  const bool act = std::get<NormAttrs>(q.attrs).epilogue != Epilogue::None;
  if (act != (q.inputs.size() == 6))
    return err("batchnorm_grad: beta (input 6) is given exactly when there is an epilogue");
  if (act && !(q.inputs[5].shape == c.shape))
    return err("batchnorm_grad: beta " + shp(q, q.inputs[5].shape) + " differs from gamma " +
               shp(q, c.shape));
  return std::vector<TensorType>{{DType::F32, q.inputs[0].shape}, c, c};
}

Result reduceGradRule(const ShapeQuery& q) {
  return one({DType::F32, std::get<ReduceGradAttrs>(q.attrs).shape});
}

Result classLossRule(const ShapeQuery& q) {
  const Shape& z = q.inputs[0].shape;
  const Shape& t = q.inputs[1].shape;
  const std::string op = opName(q.op);
  auto ax = normalizeAxis(std::get<ClassLossAttrs>(q.attrs).axis, z.size());
  if (!ax) return err(op + ": class axis out of range for logits " + shp(q, z));
  if (!isFloat(q.inputs[0].dtype)) return err(op + ": the logits must be float");
  if (q.inputs[1].dtype == DType::I64) {
    if (q.op == OpKind::KlDiv)
      return err("kl_div: the teacher must be logits (float), not class indices",
                 {"hard distillation is cross_entropy(z_s, argmax(z_t, axis=1))"});
    Shape want = z;
    want.erase(want.begin() + *ax);
    if (!(t == want))
      return err(op + ": class indices must have shape " + shp(q, want) + ", got " + shp(q, t));
  } else if (!isFloat(q.inputs[1].dtype)) {
    return err(op + ": the target must be I64 class indices or a float distribution");
  } else if (!(z == t)) {
    return err(op + ": logits " + shp(q, z) + " and targets " + shp(q, t) + " differ in shape");
  }
  return one({q.inputs[0].dtype, {}});
}

} // namespace

std::optional<int64_t> normalizeAxis(int64_t axis, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return std::nullopt;
  return axis;
}

std::optional<Shape> broadcastShapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const Dim* da = i < n - a.size() ? nullptr : &a[i - (n - a.size())];
    const Dim* db = i < n - b.size() ? nullptr : &b[i - (n - b.size())];
    auto isOne = [](const Dim* d) { return !d || (d->isConst() && d->off == 1); };
    if (isOne(da))
      out[i] = db ? *db : Dim::constant(1);
    else if (isOne(db) || *da == *db)
      out[i] = *da;
    else
      return std::nullopt;
  }
  return out;
}

ShapeRule shapeRuleFor(OpKind op) {
  switch (op) {
  case OpKind::Input:
  case OpKind::Param:
  case OpKind::State:
  case OpKind::Constant:
    return declaredRule;
  case OpKind::Neg:
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
  case OpKind::Sign:
  case OpKind::Square:
  case OpKind::PowScalar:
  case OpKind::Clamp:
  case OpKind::Sin:
  case OpKind::Cos:
  case OpKind::Acos:
  case OpKind::StopGrad:
  case OpKind::DropPath:
    return unaryRule;
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Div:
  case OpKind::Pow:
  case OpKind::Maximum:
  case OpKind::Minimum:
  case OpKind::Atan2:
  case OpKind::Prelu:
  case OpKind::Equal:
  case OpKind::Less:
  case OpKind::LessEqual:
  case OpKind::Greater:
  case OpKind::GreaterEqual:
  case OpKind::Where:
  case OpKind::Polar:
    return broadcastRule;
  case OpKind::FusedElementwise:
    return fusedElementwiseRule;
  case OpKind::Conv2d:
    return conv2dRule;
  case OpKind::ConvTranspose2d:
    return convTransposeRule;
  case OpKind::MatMul:
    return matmulRule;
  case OpKind::BatchNorm:
  case OpKind::InstanceNorm:
  case OpKind::LayerNorm:
  case OpKind::L2Normalize:
    return normRule;
  case OpKind::ReduceSum:
  case OpKind::ReduceMean:
  case OpKind::ReduceMax:
  case OpKind::ReduceMin:
  case OpKind::Softmax:
  case OpKind::LogSoftmax:
    return reduceRule;
  case OpKind::ArgMax:
    return argmaxRule;
  case OpKind::KthValue:
    return kthRule;
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    return poolRule;
  case OpKind::Resize:
    return resizeRule;
  case OpKind::PixelShuffle:
  case OpKind::PixelUnshuffle:
    return pixelShuffleRule;
  case OpKind::Concat:
    return concatRule;
  case OpKind::Slice:
    return sliceRule;
  case OpKind::Reshape:
    return reshapeRule;
  case OpKind::Permute:
    return permuteRule;
  case OpKind::Pad:
    return padRule;
  case OpKind::Expand:
    return expandRule;
  case OpKind::Rfft2:
    return rfftRule;
  case OpKind::Irfft2:
    return irfftRule;
  case OpKind::ComplexAbs:
  case OpKind::ComplexAngle:
    return complexToRealRule;
  case OpKind::Assign:
    return assignRule;
  case OpKind::L1Loss:
  case OpKind::MseLoss:
  case OpKind::SmoothL1Loss:
  case OpKind::HuberLoss:
  case OpKind::BceWithLogits:
    return pointLossRule;
  case OpKind::CrossEntropy:
  case OpKind::KlDiv:
    return classLossRule;
  case OpKind::BatchNormTrain:
    return batchNormTrainRule;
  case OpKind::DropPathTrain:
    return dropPathTrainRule;
  case OpKind::SgdUpdate:
  case OpKind::AdamUpdate:
    return optimizerRule;
  case OpKind::UnaryGrad:
  case OpKind::Conv2dGradInput:
  case OpKind::MaxPool2dGrad:
  case OpKind::AvgPool2dGrad:
  case OpKind::ResizeGrad:
  case OpKind::PadGrad:
  case OpKind::SliceGrad:
  case OpKind::LossGrad:
  case OpKind::ClassLossGrad:
    return likeFirstRule;
  case OpKind::Conv2dGradWeight:
    return convWeightGradRule;
  case OpKind::BatchNormGrad:
    return batchNormGradRule;
  case OpKind::ReduceGrad:
    return reduceGradRule;
  case OpKind::Rfft2Grad:
    return irfftRule;
  case OpKind::Irfft2Grad:
    return rfftRule;
  case OpKind::ComplexAbsGrad:
  case OpKind::ComplexAngleGrad:
    return complexGradRule;
  case OpKind::PolarGrad:
    return polarGradRule;
  }
  return nullptr;
}

Expected<std::vector<TensorType>> inferTypes(OpKind op, const Attrs& attrs,
                                             const std::vector<TensorType>& inputs,
                                             const SymbolTable& syms,
                                             const std::vector<TensorType>& declared) {
  const OpInfo& info = opInfo(op);
  int n = static_cast<int>(inputs.size());
  if (n < info.minInputs || n > info.maxInputs)
    return err(std::string(info.name) + " takes " +
               (info.minInputs == info.maxInputs
                    ? std::to_string(info.minInputs)
                    : std::to_string(info.minInputs) + " to " + std::to_string(info.maxInputs)) +
               " tensor inputs, got " + std::to_string(n));
  if (attrs.index() != info.attrsIndex)
    return err(std::string(info.name) + ": wrong attribute type");
  ShapeRule rule = shapeRuleFor(op);
  if (!rule) return err(std::string(info.name) + ": no shape rule");
  return rule(ShapeQuery{op, attrs, inputs, syms, declared});
}

} // namespace llie
