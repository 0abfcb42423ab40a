// Shape rules of the sliding-window ops: conv2d (with a fused residual or depthwise stage),
// conv_transpose2d and the pools, on Dims so that symbolic sizes flow through (see
// shape_rules.cpp).
#include "compiler/ops/shape_rule_util.h"

namespace llie::shape_rules {

Expected<Dim> slidingDim(const ShapeQuery& q, const Dim& in, int64_t padTotal, int64_t span,
                         int64_t stride, bool ceilMode, const char* axisName) {
  Dim num = dimAdd(in, padTotal - span + (ceilMode ? stride - 1 : 0));
  if (num.isConst() && num.off < 0)
    return err(std::string(opName(q.op)) + ": the " + axisName + " " + dimToString(in, q.syms) +
               " is smaller than the window (" + std::to_string(span) + ")");
  auto d = dimFloorDiv(num, stride, q.syms);
  if (!d) {
    int64_t need = divisorNeeded(num, stride, q.syms);
    std::string sym = q.syms.names[in.sym];
    return err(std::string(opName(q.op)) + ": the " + axisName + " " + dimToString(in, q.syms) +
                   " is not known to be divisible by the stride " + std::to_string(stride),
               {"add `require " + sym + " % " + std::to_string(need) +
                " == 0` to the model (llie-run pads inputs to that multiple automatically)"});
  }
  return dimAdd(*d, 1);
}

namespace {

/// conv2d with a fused depthwise stage (Conv2dAttrs::depthwise): x, a 1x1 weight [O, C, 1, 1],
/// its bias [O], the depthwise weight [O, 1, 3, 3] and its bias [O]; y is the depthwise stage's
/// output (padding 1, stride `depthwise`).
Result fusedDepthwiseRule(const ShapeQuery& q, const Dim& outC) {
  auto& a = std::get<Conv2dAttrs>(q.attrs);
  const Shape& x = q.inputs[0].shape;
  const Shape& w = q.inputs[1].shape;
  if (q.inputs.size() != 5 || a.residual || a.perSample || a.groups != 1 ||
      !(w[2].isConst() && w[2].off == 1 && w[3].isConst() && w[3].off == 1) ||
      a.stride != std::vector<int64_t>{1, 1} || a.pad != std::vector<int64_t>{0, 0, 0, 0} ||
      a.dilation != std::vector<int64_t>{1, 1} || (a.depthwise != 1 && a.depthwise != 2))
    return err("conv2d: a fused depthwise stage needs a plain 1x1 conv with x, its weight, its "
               "bias, the depthwise weight and its bias, and a stride of 1 or 2");
  const Shape dwShape{outC, Dim::constant(1), Dim::constant(3), Dim::constant(3)};
  for (size_t i : {2, 4})
    if (!(q.inputs[i].shape == Shape{outC}))
      return err("conv2d: bias must have shape [" + dimToString(outC, q.syms) + "], got " +
                 shp(q, q.inputs[i].shape));
  if (!(q.inputs[3].shape == dwShape))
    return err("conv2d: the depthwise weight must have shape " + shp(q, dwShape) + ", got " +
               shp(q, q.inputs[3].shape));
  LLIE_ASSIGN_OR_RETURN(Dim h, slidingDim(q, x[2], 2, 3, a.depthwise, false, "height"));
  LLIE_ASSIGN_OR_RETURN(Dim wd, slidingDim(q, x[3], 2, 3, a.depthwise, false, "width"));
  return one({q.inputs[0].dtype, {x[0], outC, h, wd}});
}

} // namespace

Result conv2dRule(const ShapeQuery& q) {
  auto& a = std::get<Conv2dAttrs>(q.attrs);
  LLIE_RETURN_IF_ERROR(needRank(q, 0, 4, "the input"));
  LLIE_RETURN_IF_ERROR(needRank(q, 1, 4, "the weight"));
  const Shape& x = q.inputs[0].shape;
  const Shape& w = q.inputs[1].shape;
  if (!w[2].isConst() || !w[3].isConst()) return err("conv2d: kernel size must be constant");
  Dim outC = w[0];
  if (a.perSample) {
    // kernel [N, C, k, k] applied depthwise per sample.
    outC = x[1];
  } else if (x[1].isConst() && w[1].isConst() && x[1].off != w[1].off * a.groups) {
    return err("conv2d: the input has " + dimToString(x[1], q.syms) + " channels but the weight " +
                   shp(q, w) + " with groups=" + std::to_string(a.groups) + " expects " +
                   std::to_string(w[1].off * a.groups),
               {"the weight shape is [out, in/groups, kh, kw]"});
  }
  if (!a.perSample && w[0].isConst() && w[0].off % a.groups != 0)
    return err("conv2d: " + std::to_string(w[0].off) +
               " output channels are not divisible by groups=" + std::to_string(a.groups));
  if (a.depthwise) return fusedDepthwiseRule(q, outC);
  // Inputs: x, w, then the bias when there is one, then the residual when `residual` is set.
  const size_t operands = q.inputs.size() - (a.residual ? 1 : 0);
  if (q.inputs.size() == 5) return err("conv2d: takes at most 4 inputs without a depthwise stage");
  if (q.inputs.size() == 4 && !a.residual)
    return err("conv2d: takes x, a weight and an optional bias, got 4 inputs");
  if (a.residual && (q.inputs.size() < 3 || a.perSample))
    return err("conv2d: a fused residual needs x, a weight, an optional bias and the residual");
  if (operands == 3 && (q.inputs[2].shape.size() != 1 || !(q.inputs[2].shape[0] == outC)))
    return err("conv2d: bias must have shape [" + dimToString(outC, q.syms) + "], got " +
               shp(q, q.inputs[2].shape));
  int64_t kh = (w[2].off - 1) * a.dilation[0] + 1, kw = (w[3].off - 1) * a.dilation[1] + 1;
  LLIE_ASSIGN_OR_RETURN(Dim h,
                        slidingDim(q, x[2], a.pad[0] + a.pad[1], kh, a.stride[0], false, "height"));
  LLIE_ASSIGN_OR_RETURN(Dim wd,
                        slidingDim(q, x[3], a.pad[2] + a.pad[3], kw, a.stride[1], false, "width"));
  TensorType y{q.inputs[0].dtype, {x[0], outC, h, wd}};
  if (a.residual && !(q.inputs.back().shape == y.shape && q.inputs.back().dtype == y.dtype))
    return err("conv2d: the residual " + shp(q, q.inputs.back().shape) +
               " must have the output's shape " + shp(q, y.shape) + " and dtype");
  return one(y);
}

Result convTransposeRule(const ShapeQuery& q) {
  auto& a = std::get<ConvTranspose2dAttrs>(q.attrs);
  LLIE_RETURN_IF_ERROR(needRank(q, 0, 4, "the input"));
  LLIE_RETURN_IF_ERROR(needRank(q, 1, 4, "the weight"));
  const Shape& x = q.inputs[0].shape;
  const Shape& w = q.inputs[1].shape;
  if (x[1].isConst() && w[0].isConst() && !(x[1] == w[0]))
    return err("conv_transpose2d: input has " + dimToString(x[1], q.syms) +
               " channels, weight expects " + dimToString(w[0], q.syms));
  Dim outC = dimMul(w[1], a.groups);
  auto spatial = [&](const Dim& in, int i) {
    // (in - 1)·s - pad + dil·(k-1) + output_padding + 1
    return dimAdd(dimMul(dimAdd(in, -1), a.stride[i]), -(a.pad[2 * i] + a.pad[2 * i + 1]) +
                                                           a.dilation[i] * (w[2 + i].off - 1) +
                                                           a.outputPadding[i] + 1);
  };
  return one({q.inputs[0].dtype, {x[0], outC, spatial(x[2], 0), spatial(x[3], 1)}});
}

Result poolRule(const ShapeQuery& q) {
  auto& a = std::get<Pool2dAttrs>(q.attrs);
  LLIE_RETURN_IF_ERROR(needRank(q, 0, 4, "the input"));
  const Shape& x = q.inputs[0].shape;
  LLIE_ASSIGN_OR_RETURN(Dim h, slidingDim(q, x[2], a.pad[0] + a.pad[1], a.kernel[0], a.stride[0],
                                          a.ceilMode, "height"));
  LLIE_ASSIGN_OR_RETURN(Dim w, slidingDim(q, x[3], a.pad[2] + a.pad[3], a.kernel[1], a.stride[1],
                                          a.ceilMode, "width"));
  return one({q.inputs[0].dtype, {x[0], x[1], h, w}});
}

} // namespace llie::shape_rules
