// The node geometry and PyTorch coordinate formulas declared in op_geometry.h.
#include "backends/op_geometry.h"

#include <algorithm>
#include <cmath>

namespace llie::kernels {

Expected<ConvGeom> convGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Dims x = inShape(g, n, 0), w = inShape(g, n, 1), y = outShape(g, n);
  if (x.size() != 4 || w.size() != 4 || y.size() != 4)
    return badNode(n, "input, weight and output must be rank 4");
  if (a.stride.size() != 2 || a.pad.size() != 4 || a.dilation.size() != 2 || a.groups < 1)
    return badNode(n, "stride/pad/dilation/groups");
  ConvGeom c{};
  c.N = x[0], c.C = x[1], c.H = x[2], c.W = x[3], c.OH = y[2], c.OW = y[3];
  c.O = w[0], c.Cg = w[1], c.KH = w[2], c.KW = w[3], c.G = a.groups;
  c.sh = a.stride[0], c.sw = a.stride[1], c.dh = a.dilation[0], c.dw = a.dilation[1];
  c.pt = a.pad[0], c.pb = a.pad[1], c.pl = a.pad[2], c.pr = a.pad[3];
  c.residual = a.residual;
  c.hasBias = n.inputs.size() - (a.residual ? 1 : 0) == 3;
  if (a.depthwise) {
    c.dwStride = a.depthwise, c.dwEpilogue = a.depthwiseEpilogue, c.hasBias = true;
    c.OH = c.H, c.OW = c.W; // the first stage's output
    const ConvGeom d = depthwiseStage(c);
    if (n.inputs.size() != 5 || c.KH != 1 || c.KW != 1 || c.G != 1 || d.OH != y[2] ||
        d.OW != y[3] || inShape(g, n, 3) != Dims{c.O, 1, 3, 3} || inShape(g, n, 4) != Dims{c.O})
      return badNode(n, "a fused depthwise stage disagrees with its operands");
  }
  if (a.residual && inShape(g, n, n.inputs.size() - 1) != y)
    return badNode(n, "the residual's shape is not the output's");
  if (c.C % c.G || c.O % c.G || c.Cg != c.C / c.G || y[0] != c.N || y[1] != c.O)
    return badNode(n, "channel counts disagree with groups");
  int64_t eh = (c.H + c.pt + c.pb - c.dh * (c.KH - 1) - 1) / c.sh + 1;
  int64_t ew = (c.W + c.pl + c.pr - c.dw * (c.KW - 1) - 1) / c.sw + 1;
  if (eh != c.OH || ew != c.OW) return badNode(n, "output size disagrees with attributes");
  if (c.hasBias && inShape(g, n, 2) != Dims{c.O}) return badNode(n, "bias shape");
  return c;
}

ConvGeom depthwiseStage(const ConvGeom& c) {
  ConvGeom d = c;
  d.C = d.O = d.G = c.O, d.Cg = 1, d.H = c.OH, d.W = c.OW, d.KH = d.KW = 3;
  d.sh = d.sw = c.dwStride, d.pt = d.pb = d.pl = d.pr = 1, d.dh = d.dw = 1;
  d.OH = (d.H - 1) / d.sh + 1, d.OW = (d.W - 1) / d.sw + 1;
  d.hasBias = true, d.residual = false, d.dwStride = 0;
  return d;
}

Expected<ConvTGeom> convTransposeGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ConvTranspose2dAttrs>(n);
  Dims x = inShape(g, n, 0), w = inShape(g, n, 1), y = outShape(g, n);
  if (x.size() != 4 || w.size() != 4 || y.size() != 4)
    return badNode(n, "input, weight and output must be rank 4");
  if (a.stride.size() != 2 || a.pad.size() != 4 || a.dilation.size() != 2 ||
      a.outputPadding.size() != 2 || a.groups < 1)
    return badNode(n, "stride/pad/output_padding/dilation/groups");
  ConvTGeom c{};
  c.N = x[0], c.C = x[1], c.H = x[2], c.W = x[3], c.OH = y[2], c.OW = y[3];
  c.Og = w[1], c.KH = w[2], c.KW = w[3], c.G = a.groups, c.O = w[1] * a.groups;
  c.sh = a.stride[0], c.sw = a.stride[1], c.dh = a.dilation[0], c.dw = a.dilation[1];
  c.pt = a.pad[0], c.pb = a.pad[1], c.pl = a.pad[2], c.pr = a.pad[3];
  c.oph = a.outputPadding[0], c.opw = a.outputPadding[1];
  c.hasBias = n.inputs.size() == 3;
  if (w[0] != c.C || c.C % c.G || y[0] != c.N || y[1] != c.O)
    return badNode(n, "channel counts disagree with the weight and groups");
  int64_t eh = (c.H - 1) * c.sh - c.pt - c.pb + c.dh * (c.KH - 1) + c.oph + 1;
  int64_t ew = (c.W - 1) * c.sw - c.pl - c.pr + c.dw * (c.KW - 1) + c.opw + 1;
  if (eh != c.OH || ew != c.OW || c.OH <= 0 || c.OW <= 0)
    return badNode(n, "output size disagrees with attributes");
  if (c.hasBias && inShape(g, n, 2) != Dims{c.O}) return badNode(n, "bias shape");
  return c;
}

Expected<MatMulGeom> matmulGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<MatMulAttrs>(n);
  Dims A = inShape(g, n, 0), B = inShape(g, n, 1), y = outShape(g, n);
  size_t r = y.size();
  if (A.size() < 2 || B.size() < 2 || r < 2 || A.size() > r || B.size() > r)
    return badNode(n, "operand ranks");
  MatMulGeom m{};
  m.transA = a.transA, m.transB = a.transB, m.hasBias = n.inputs.size() == 3;
  m.aShape = padLeft(A, r), m.bShape = padLeft(B, r);
  int64_t aRows = m.aShape[r - 2], aCols = m.aShape[r - 1];
  int64_t bRows = m.bShape[r - 2], bCols = m.bShape[r - 1];
  m.M = a.transA ? aCols : aRows, m.K = a.transA ? aRows : aCols;
  int64_t kb = a.transB ? bCols : bRows;
  m.N = a.transB ? bRows : bCols;
  if (kb != m.K || y[r - 2] != m.M || y[r - 1] != m.N) return badNode(n, "matrix sizes");
  int64_t aMat = aRows * aCols, bMat = bRows * bCols, aS = aMat, bS = bMat;
  m.batch.assign(y.begin(), y.end() - 2);
  m.aStrides.assign(r - 2, 0), m.bStrides.assign(r - 2, 0);
  for (int64_t d = static_cast<int64_t>(r) - 3; d >= 0; --d) {
    int64_t ad = m.aShape[d], bd = m.bShape[d];
    if ((ad != y[d] && ad != 1) || (bd != y[d] && bd != 1))
      return badNode(n, "batch axes do not broadcast to the output");
    m.aStrides[d] = ad == 1 ? 0 : aS;
    m.bStrides[d] = bd == 1 ? 0 : bS;
    aS *= ad, bS *= bd;
  }
  if (m.hasBias) {
    Dims bias = inShape(g, n, 2);
    if (bias.size() > r || !broadcastStrides(padLeft(bias, r), y, m.biasStrides))
      return badNode(n, "bias does not broadcast to the output");
    m.biasShape = padLeft(bias, r);
  }
  return m;
}

bool splitPlanes(const Dims& x, const Dims& y, PlaneGeom& p) {
  size_t r = x.size();
  if (r < 2 || y.size() != r) return false;
  p.planes = 1;
  for (size_t i = 0; i + 2 < r; ++i)
    p.planes *= x[i];
  p.H = x[r - 2], p.W = x[r - 1], p.OH = y[r - 2], p.OW = y[r - 1];
  return true;
}

Expected<PoolGeom> poolGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Pool2dAttrs>(n);
  Dims x = inShape(g, n, 0), y = outShape(g, n);
  PoolGeom p{};
  if (!splitPlanes(x, y, p)) return badNode(n, "rank");
  if (a.kernel.size() != 2 || a.stride.size() != 2 || a.pad.size() != 4)
    return badNode(n, "kernel/stride/pad");
  for (size_t i = 0; i + 2 < x.size(); ++i)
    if (x[i] != y[i]) return badNode(n, "leading dims");
  p.kh = a.kernel[0], p.kw = a.kernel[1], p.sh = a.stride[0], p.sw = a.stride[1];
  p.pt = a.pad[0], p.pb = a.pad[1], p.pl = a.pad[2], p.pr = a.pad[3];
  return p;
}

Expected<PlaneGeom> resizeGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Dims x = inShape(g, n, 0), y = outShape(g, n);
  PlaneGeom p{};
  if (!splitPlanes(x, y, p) || a.size.size() != 2) return badNode(n, "rank/size");
  if (p.OH != a.size[0].off || p.OW != a.size[1].off)
    return badNode(n, "output shape disagrees with size");
  return p;
}

Expected<PlaneGeom> padPlanes(const Node& n, const Dims& x, const Dims& y, bool grad) {
  const auto& a = attrsOf<PadAttrs>(n);
  size_t r = x.size();
  if (r < 1 || y.size() != r || a.pads.size() != 4) return badNode(n, "rank/pads");
  bool has2 = r >= 2;
  if (!has2 && (a.pads[0] || a.pads[1])) return badNode(n, "rank-1 input padded in H");
  if (grad)
    for (size_t i = 0; i + 2 < r; ++i)
      if (x[i] != y[i]) return badNode(n, "dy's leading dims differ from x's");
  PlaneGeom p{0, has2 ? x[r - 2] : 1, x[r - 1], has2 ? y[r - 2] : 1, y[r - 1]};
  if (p.OH != p.H + a.pads[0] + a.pads[1] || p.OW != p.W + a.pads[2] + a.pads[3])
    return badNode(n, grad ? "dy's shape disagrees with pads" : "output shape disagrees with pads");
  if (a.mode == PadMode::Reflect &&
      (a.pads[0] >= p.H || a.pads[1] >= p.H || a.pads[2] >= p.W || a.pads[3] >= p.W))
    return badNode(n, "reflect padding must be smaller than the input");
  p.planes = (p.H * p.W != 0) ? numel(x) / (p.H * p.W) : 0;
  return p;
}

Expected<PlaneGeom> padGeometry(const Graph& g, const Node& n) {
  return padPlanes(n, inShape(g, n, 0), outShape(g, n), false);
}

Expected<int64_t> concatAxis(const Graph& g, const Node& n) {
  Dims y = outShape(g, n);
  int64_t axis = normAxis(attrsOf<AxisAttrs>(n).axis, static_cast<int64_t>(y.size()));
  if (axis < 0) return badNode(n, "axis out of range");
  int64_t total = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Dims x = inShape(g, n, i);
    if (x.size() != y.size()) return badNode(n, "inputs of different ranks");
    for (size_t d = 0; d < y.size(); ++d)
      if (static_cast<int64_t>(d) != axis && x[d] != y[d])
        return badNode(n, "inputs differ off the concat axis");
    total += x[axis];
  }
  if (total != y[axis]) return badNode(n, "output extent along the axis");
  return axis;
}

int64_t nearestSrc(int64_t dst, int64_t in, int64_t out) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  float scale = static_cast<float>(in) / static_cast<float>(out);
  int64_t s = static_cast<int64_t>(std::floor(static_cast<float>(dst) * scale));
  return std::min(s, in - 1);
}

LinearTap linearTap(int64_t dst, int64_t in, int64_t out, bool alignCorners) {
  double src;
  if (alignCorners) {
    src = out > 1 ? static_cast<double>(dst) * (in - 1) / (out - 1) : 0.0;
  } else {
    src = (dst + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5;
    if (src < 0) src = 0;
  }
  int64_t i0 = std::min(static_cast<int64_t>(src), in - 1);
  int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  return {i0, i1, src - static_cast<double>(i0)};
}

Expected<AxisGeom> axisGeometry(const Graph& g, const Node& n, int64_t axis) {
  Dims x = inShape(g, n, 0);
  if (outShape(g, n) != x) return badNode(n, "output shape differs from input");
  int64_t ax = normAxis(axis, static_cast<int64_t>(x.size()));
  if (ax < 0) return badNode(n, "axis out of range");
  AxisGeom r{1, x[ax], 1};
  for (int64_t d = 0; d < ax; ++d)
    r.outer *= x[d];
  for (size_t d = ax + 1; d < x.size(); ++d)
    r.inner *= x[d];
  return r;
}

Expected<InstanceNormGeom> instanceNormGeometry(const Graph& g, const Node& n) {
  const auto& a = attrsOf<NormAttrs>(n);
  Dims x = inShape(g, n, 0);
  if (x.size() < 2 || outShape(g, n) != x)
    return badNode(n, "input rank < 2 or output shape differs");
  InstanceNormGeom r{x[0], x[1], numel(x) / std::max<int64_t>(x[0] * x[1], 1), 0};
  r.c0 = a.channels > 0 ? a.channels : r.C;
  if (r.c0 > r.C || numel(inShape(g, n, 1)) != r.c0 || numel(inShape(g, n, 2)) != r.c0)
    return badNode(n, "gamma and beta need one value per normalised channel");
  return r;
}

} // namespace llie::kernels
