// Layers: builtins that create their own parameters (conv2d, conv_transpose2d, batchnorm,
// instancenorm, layernorm, linear, prelu), with PyTorch's shapes and default initialisation
// rules, named <instance>.weight / .bias / .running_mean / .running_var.
#include "compiler/frontend/elaborator.h"

namespace llie::elab {

CValue Elaborator::callLayer(const std::string& name, Args& a, ArgReader& rd, SourceSpan span) {
  // conv2d(x, kernel_tensor, ...) is a convolution with a computed (dynamic) weight; it owns
  // no parameters and binds its settings like any op of the table.
  if (name == "conv2d" && a.pos.size() > 1 && a.pos[1].kind == CValue::Tensor)
    return *callOp(OpKind::Conv2d, a, span, span);
  if (name == "conv2d" || name == "conv_transpose2d") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    if (xs.size() != 4) {
      error(a.posSpans[0],
            name + " expects an [N, C, H, W] input, got " + shapeToString(xs, g_.symbols));
      return CValue::poison();
    }
    if (!xs[1].isConst()) {
      error(span, name + ": the input's channel count must be known at compile time");
      return CValue::poison();
    }
    int64_t cin = xs[1].off;
    int64_t cout = rd.intArg("out_channels", 1, -1), k = rd.intArg("kernel_size", 2, -1);
    if (cout <= 0 || k <= 0) {
      error(span, name + ": needs out_channels and kernel_size, e.g. " + name + "(x, 64, 3)");
      return CValue::poison();
    }
    int64_t stride = rd.intArg("stride", 3, 1), padding = rd.intArg("padding", 4, 0),
            dilation = rd.intArg("dilation", 99, 1), groups = rd.intArg("groups", 99, 1);
    bool bias = rd.boolArg("bias", true);
    if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
      error(span, name + ": groups=" + std::to_string(groups) + " must divide the input (" +
                      std::to_string(cin) + ") and output (" + std::to_string(cout) + ") channels");
      return CValue::poison();
    }
    std::string inst = instanceName(a, span);
    bool transposed = name == "conv_transpose2d";
    Shape wshape = transposed ? Shape{Dim::constant(cin), Dim::constant(cout / groups),
                                      Dim::constant(k), Dim::constant(k)}
                              : Shape{Dim::constant(cout), Dim::constant(cin / groups),
                                      Dim::constant(k), Dim::constant(k)};
    int64_t fanIn = (transposed ? cout / groups : cin / groups) * k * k;
    CValue w = makeParam(inst, "weight", wshape, ParamAttrs{"", InitKind::KaimingUniform, fanIn, 0},
                         false, span);
    if (w.kind == CValue::Poison) return w;
    std::vector<ValueId> ins{x.t, w.t};
    if (bias) {
      CValue b = makeParam(inst, "bias", {Dim::constant(cout)},
                           ParamAttrs{"", InitKind::UniformFanIn, fanIn, 0}, false, span);
      if (b.kind == CValue::Poison) return b;
      ins.push_back(b.t);
    }
    if (transposed) {
      ConvTranspose2dAttrs at;
      at.stride = {stride, stride};
      at.pad = {padding, padding, padding, padding};
      int64_t op = rd.intArg("output_padding", 99, 0);
      at.outputPadding = {op, op};
      at.dilation = {dilation, dilation};
      at.groups = groups;
      return emit(OpKind::ConvTranspose2d, at, ins, span);
    }
    Conv2dAttrs at;
    at.stride = {stride, stride};
    at.pad = {padding, padding, padding, padding};
    at.dilation = {dilation, dilation};
    at.groups = groups;
    return emit(OpKind::Conv2d, at, ins, span);
  }
  if (name == "batchnorm" || name == "instancenorm" || name == "layernorm") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    size_t axis = name == "layernorm" ? xs.size() - 1 : 1;
    if (xs.size() < 2 || !xs[axis].isConst()) {
      error(span, name + ": the normalised axis must have a compile-time size, got " +
                      shapeToString(xs, g_.symbols));
      return CValue::poison();
    }
    int64_t c = xs[axis].off;
    NormAttrs at;
    at.eps = rd.numArg("eps", 99, name == "layernorm" ? 1e-5 : 1e-5);
    at.momentum = rd.numArg("momentum", 99, 0.1);
    at.axis = static_cast<int64_t>(axis);
    if (name == "instancenorm") at.channels = rd.intArg("channels", 99, 0);
    int64_t pc = at.channels > 0 ? at.channels : c;
    std::string inst = instanceName(a, span);
    Shape ps{Dim::constant(pc)};
    CValue gw = makeParam(inst, "weight", ps, ParamAttrs{"", InitKind::Ones, 0, 0}, false, span);
    CValue gb = makeParam(inst, "bias", ps, ParamAttrs{"", InitKind::Zeros, 0, 0}, false, span);
    if (gw.kind == CValue::Poison || gb.kind == CValue::Poison) return CValue::poison();
    if (name == "batchnorm") {
      CValue rm =
          makeParam(inst, "running_mean", ps, ParamAttrs{"", InitKind::Zeros, 0, 0}, true, span);
      CValue rv =
          makeParam(inst, "running_var", ps, ParamAttrs{"", InitKind::Ones, 0, 0}, true, span);
      if (rm.kind == CValue::Poison || rv.kind == CValue::Poison) return CValue::poison();
      return emit(OpKind::BatchNorm, at, {x.t, gw.t, gb.t, rm.t, rv.t}, span);
    }
    return emit(name == "layernorm" ? OpKind::LayerNorm : OpKind::InstanceNorm, at,
                {x.t, gw.t, gb.t}, span);
  }
  if (name == "linear") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    const Shape& xs = typeOf(x).shape;
    if (xs.empty() || !xs.back().isConst()) {
      error(span, "linear: the last axis must have a compile-time size");
      return CValue::poison();
    }
    int64_t in = xs.back().off, out = rd.intArg("out_features", 1, -1);
    if (out <= 0) {
      error(span, "linear: needs out_features, e.g. linear(x, 128)");
      return CValue::poison();
    }
    std::string inst = instanceName(a, span);
    CValue w = makeParam(inst, "weight", {Dim::constant(out), Dim::constant(in)},
                         ParamAttrs{"", InitKind::KaimingUniform, in, 0}, false, span);
    if (w.kind == CValue::Poison) return w;
    std::vector<ValueId> ins{x.t, w.t};
    if (rd.boolArg("bias", true)) {
      CValue b = makeParam(inst, "bias", {Dim::constant(out)},
                           ParamAttrs{"", InitKind::UniformFanIn, in, 0}, false, span);
      if (b.kind == CValue::Poison) return b;
      ins.push_back(b.t);
    }
    MatMulAttrs at;
    at.transB = true;
    return emit(OpKind::MatMul, at, ins, span);
  }
  if (name == "prelu") {
    CValue x = rd.tensor(0, "an input tensor");
    if (x.kind == CValue::Poison) return x;
    std::string inst = instanceName(a, span);
    int64_t n = rd.intArg("num_parameters", 1, 1);
    Shape ws{Dim::constant(n)};
    if (n > 1) ws = {Dim::constant(n), Dim::constant(1), Dim::constant(1)};
    CValue w =
        makeParam(inst, "weight", ws,
                  ParamAttrs{"", InitKind::Constant, 0, rd.numArg("init", 99, 0.25)}, false, span);
    if (w.kind == CValue::Poison) return w;
    return emit(OpKind::Prelu, NoAttrs{}, {x.t, w.t}, span);
  }

  error(span, "unknown layer '" + name + "'");
  return CValue::poison();
}

} // namespace llie::elab
