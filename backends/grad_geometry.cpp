// The gradient-op node geometry declared in grad_geometry.h.
#include "backends/grad_geometry.h"

#include <algorithm>

namespace llie::kernels {

Expected<ConvGeom> convGradGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (n.inputs.size() != 3) return badNode(n, "expects (x, w, dy)");
  Dims x = inShape(g, n, 0), w = inShape(g, n, 1), y = inShape(g, n, 2), out = outShape(g, n);
  if (x.size() != 4 || w.size() != 4 || y.size() != 4)
    return badNode(n, "input, weight and dy must be rank 4");
  if (out != (n.op == OpKind::Conv2dGradWeight ? w : x))
    return badNode(n, "output shape differs from the input it differentiates");
  if (a.stride.size() != 2 || a.pad.size() != 4 || a.dilation.size() != 2 || a.groups < 1)
    return badNode(n, "stride/pad/dilation/groups");
  ConvGeom c{};
  c.N = x[0], c.C = x[1], c.H = x[2], c.W = x[3], c.OH = y[2], c.OW = y[3];
  c.O = w[0], c.Cg = w[1], c.KH = w[2], c.KW = w[3], c.G = a.groups;
  c.sh = a.stride[0], c.sw = a.stride[1], c.dh = a.dilation[0], c.dw = a.dilation[1];
  c.pt = a.pad[0], c.pb = a.pad[1], c.pl = a.pad[2], c.pr = a.pad[3];
  c.hasBias = false;
  if (c.sh < 1 || c.sw < 1 || c.dh < 1 || c.dw < 1) return badNode(n, "stride/dilation");
  if (c.C % c.G || c.O % c.G || c.Cg != c.C / c.G || y[0] != c.N || y[1] != c.O)
    return badNode(n, "channel counts disagree with groups");
  int64_t eh = (c.H + c.pt + c.pb - c.dh * (c.KH - 1) - 1) / c.sh + 1;
  int64_t ew = (c.W + c.pl + c.pr - c.dw * (c.KW - 1) - 1) / c.sw + 1;
  if (eh != c.OH || ew != c.OW) return badNode(n, "dy size disagrees with attributes");
  return c;
}

std::string checkConvGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.perSample) return "per-sample weights have no gradient kernel";
  if (a.epilogue != Epilogue::None)
    return "a fused epilogue has no gradient kernel: differentiate the activation separately";
  if (a.residual) return "a fused residual has no gradient kernel";
  if (a.depthwise) return "a fused depthwise stage has no gradient kernel";
  return "";
}

Expected<NormGeom> batchNormGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  bool grad = n.op == OpKind::BatchNormGrad;
  // batchnorm_grad with an epilogue also takes beta.
  const size_t inputs = grad && a.epilogue != Epilogue::None ? 6 : 5;
  if (n.inputs.size() != inputs)
    return badNode(n, inputs == 5 ? "expects five inputs" : "expects six inputs");
  if (inputs == 6 && numel(inShape(g, n, 5)) != numel(inShape(g, n, 1)))
    return badNode(n, "beta must have one value per channel");
  Dims x = inShape(g, n, 0);
  LLIE_ASSIGN_OR_RETURN(AxisGeom geo, axisGeometry(g, n, a.axis));
  NormGeom r{geo.outer, geo.K, geo.inner, 0};
  r.count = r.outer * r.inner;
  for (size_t i = 1; i < (grad ? 4u : 5u); ++i)
    if (numel(inShape(g, n, i)) != r.C)
      return badNode(n, "statistics must have one value per channel");
  if (grad && inShape(g, n, 4) != x) return badNode(n, "dy differs from x");
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (numel(concrete(g.type(n.outputs[i]).shape)) != r.C)
      return badNode(n, "statistics outputs must have one value per channel");
  return r;
}

std::string checkBatchNormTrain(const Graph& g, const Node& n) {
  Expected<NormGeom> geom = batchNormGeometry(g, n);
  if (geom && geom->count < 2 && geom->C > 0)
    return "training needs more than one value per channel";
  return ""; // a malformed node is reported by the factory
}

namespace {

/// Leading axes as planes, the last two as H x W (y: the forward output, here dy); false unless
/// rank >= 2, the ranks agree and so do the leading axes.
bool gradPlanes(const Dims& x, const Dims& y, PlaneGeom& p) {
  if (!splitPlanes(x, y, p)) return false;
  return std::equal(x.begin(), x.end() - 2, y.begin());
}

} // namespace

Expected<PoolGeom> poolGradGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Pool2dAttrs>(n);
  if (n.inputs.size() != 2) return badNode(n, "expects (x, dy)");
  Dims x = inShape(g, n, 0), y = inShape(g, n, 1);
  PoolGeom p{};
  if (!gradPlanes(x, y, p)) return badNode(n, "dy's rank or leading dims differ from x's");
  if (outShape(g, n) != x) return badNode(n, "output shape differs from x");
  if (a.kernel.size() != 2 || a.stride.size() != 2 || a.pad.size() != 4)
    return badNode(n, "kernel/stride/pad");
  p.kh = a.kernel[0], p.kw = a.kernel[1], p.sh = a.stride[0], p.sw = a.stride[1];
  p.pt = a.pad[0], p.pb = a.pad[1], p.pl = a.pad[2], p.pr = a.pad[3];
  return p;
}

Expected<PlaneGeom> resizeGradGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  if (n.inputs.size() != 2) return badNode(n, "expects (x, dy)");
  Dims x = inShape(g, n, 0), y = inShape(g, n, 1);
  PlaneGeom p{};
  if (!gradPlanes(x, y, p) || a.size.size() != 2) return badNode(n, "rank/size");
  if (outShape(g, n) != x) return badNode(n, "output shape differs from x");
  if (p.OH != a.size[0].off || p.OW != a.size[1].off)
    return badNode(n, "dy's shape disagrees with size");
  return p;
}

Expected<PlaneGeom> padGradGeometry(const Graph& g, const Node& n) {
  Dims x = inShape(g, n, 0);
  if (outShape(g, n) != x) return badNode(n, "output shape differs from x");
  return padPlanes(n, x, inShape(g, n, 1), true);
}

Expected<ReduceGradGeom> reduceGradGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ReduceGradAttrs>(n);
  ReduceGradGeom r{outShape(g, n), {}, 1};
  Dims dy = inShape(g, n, 0);
  const int64_t rank = static_cast<int64_t>(r.y.size());
  if (static_cast<int64_t>(a.shape.size()) != rank)
    return badNode(n, "the result's rank differs from `shape`");
  bool ok = true;
  Dims axes = normAxes(a.axes, rank, ok);
  if (!ok) return badNode(n, "axis out of range");
  r.kept = r.y;
  Dims dropped; // dy's shape with the reduced axes dropped (keepdim = false)
  for (int64_t d = 0, j = 0; d < rank; ++d) {
    bool reduced = j < static_cast<int64_t>(axes.size()) && axes[j] == d;
    if (reduced) {
      r.count *= r.y[d];
      r.kept[d] = 1;
      ++j;
    } else {
      dropped.push_back(r.y[d]);
    }
  }
  if (dy != r.kept && dy != dropped) return badNode(n, "dy's shape is not the reduced shape");
  return r;
}

std::string optimizerShapeProblem(const Graph& g, const Node& n, size_t nTensors) {
  Dims p = inShape(g, n, 0);
  for (size_t i = 1; i < nTensors; ++i)
    if (inShape(g, n, i) != p) return "input " + std::to_string(i) + " differs from p";
  for (size_t i = nTensors; i < n.inputs.size(); ++i)
    if (numel(inShape(g, n, i)) != 1) return "lr and step must be scalars";
  for (ValueId v : n.outputs)
    if (concrete(g.type(v).shape) != p) return "an output differs from p";
  return "";
}

} // namespace llie::kernels
