// Reference 2-D convolution: NCHW input, OIHW weight (O x C/groups x kh x kw), optional bias,
// stride, asymmetric padding {top, bottom, left, right}, dilation, groups (depthwise when
// groups == C) and the fused epilogue. Direct seven-deep loop, accumulating in double.
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

struct ConvGeom {
  int64_t N, C, H, W, O, Cg, KH, KW, OH, OW, G;
  int64_t sh, sw, pt, pl, dh, dw;
};

std::string checkConv(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.perSample) return "per-sample weights";
  return "";
}

Expected<std::unique_ptr<Kernel>> makeConv(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), w = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  if (x.size() != 4 || w.size() != 4 || y.size() != 4)
    return kernels::badNode(n, "input, weight and output must be rank 4");
  if (a.stride.size() != 2 || a.pad.size() != 4 || a.dilation.size() != 2 || a.groups < 1)
    return kernels::badNode(n, "stride/pad/dilation/groups");
  ConvGeom c{x[0], x[1], x[2], x[3], w[0], w[1], w[2], w[3], y[2], y[3], a.groups,
             a.stride[0], a.stride[1], a.pad[0], a.pad[2], a.dilation[0], a.dilation[1]};
  if (c.C % c.G || c.O % c.G || c.Cg != c.C / c.G || y[0] != c.N || y[1] != c.O)
    return kernels::badNode(n, "channel counts disagree with groups");
  int64_t eh = (c.H + a.pad[0] + a.pad[1] - c.dh * (c.KH - 1) - 1) / c.sh + 1;
  int64_t ew = (c.W + a.pad[2] + a.pad[3] - c.dw * (c.KW - 1) - 1) / c.sw + 1;
  if (eh != c.OH || ew != c.OW) return kernels::badNode(n, "output size disagrees with attributes");
  bool hasBias = n.inputs.size() == 3;
  if (hasBias && kernels::inShape(g, n, 2) != Dims{c.O}) return kernels::badNode(n, "bias shape");
  Epilogue epi = a.epilogue;
  double alpha = a.epilogueAlpha;

  return kernels::makeFnKernel([c, hasBias, epi, alpha](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float* Wt = in[1]->f32();
    const float* B = hasBias ? in[2]->f32() : nullptr;
    float* Y = out[0]->f32();
    int64_t Og = c.O / c.G;
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t o = 0; o < c.O; ++o) {
        int64_t grp = o / Og;
        for (int64_t oh = 0; oh < c.OH; ++oh)
          for (int64_t ow = 0; ow < c.OW; ++ow) {
            double acc = B ? B[o] : 0.0;
            for (int64_t ci = 0; ci < c.Cg; ++ci) {
              int64_t ch = grp * c.Cg + ci;
              for (int64_t kh = 0; kh < c.KH; ++kh) {
                int64_t ih = oh * c.sh - c.pt + kh * c.dh;
                if (ih < 0 || ih >= c.H) continue;
                for (int64_t kw = 0; kw < c.KW; ++kw) {
                  int64_t iw = ow * c.sw - c.pl + kw * c.dw;
                  if (iw < 0 || iw >= c.W) continue;
                  double xv = X[((n * c.C + ch) * c.H + ih) * c.W + iw];
                  double wv = Wt[((o * c.Cg + ci) * c.KH + kh) * c.KW + kw];
                  acc += xv * wv;
                }
              }
            }
            Y[((n * c.O + o) * c.OH + oh) * c.OW + ow] =
                static_cast<float>(applyEpilogue(epi, alpha, acc));
          }
      }
  });
}

} // namespace

void registerConv2d(Registry& r) { r.add(OpKind::Conv2d, makeConv, checkConv); }

} // namespace llie::ref
