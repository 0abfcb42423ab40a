// Reference 2-D convolution: NCHW input, OIHW weight (O x C/groups x kh x kw), optional bias,
// stride, asymmetric padding {top, bottom, left, right}, dilation, groups (depthwise when
// groups == C), the fused residual (added to the accumulator before the epilogue; it may share
// the output's buffer: each element is read before it is written), the fused epilogue and a fused
// depthwise stage (run after the first, from its float32 output). Direct seven-deep loop,
// accumulating in double.
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

#include <vector>

namespace llie::ref {
namespace {

std::string checkConv(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.perSample) return "per-sample weights";
  return "";
}

/// Y = epi(conv(X, Wt) + B + R) over c's geometry (B, R may be null).
void convolve(const kernels::ConvGeom& c, const float* X, const float* Wt, const float* B,
              const float* R, float* Y, Epilogue epi, double alpha) {
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
          const int64_t at = ((n * c.O + o) * c.OH + oh) * c.OW + ow;
          if (R) acc += R[at];
          Y[at] = static_cast<float>(applyEpilogue(epi, alpha, acc));
        }
    }
}

Expected<std::unique_ptr<Kernel>> makeConv(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Expected<kernels::ConvGeom> geom = kernels::convGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::ConvGeom c = *geom;
  Epilogue epi = a.epilogue;
  double alpha = a.epilogueAlpha;

  return kernels::makeFnKernel([c, epi, alpha](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float* Wt = in[1]->f32();
    const float* B = c.hasBias ? in[2]->f32() : nullptr;
    const float* R = c.residual ? in.back()->f32() : nullptr;
    if (!c.dwStride) return convolve(c, X, Wt, B, R, out[0]->f32(), epi, alpha);
    // A fused depthwise stage: the first stage's float32 output, as the unfused graph holds it.
    std::vector<float> mid(static_cast<size_t>(c.N * c.O * c.OH * c.OW));
    convolve(c, X, Wt, B, nullptr, mid.data(), epi, alpha);
    convolve(kernels::depthwiseStage(c), mid.data(), in[3]->f32(), in[4]->f32(), nullptr,
             out[0]->f32(), c.dwEpilogue, 0.0);
  });
}

} // namespace

void registerConv2d(Registry& r) {
  r.add(OpKind::Conv2d, makeConv, checkConv);
}

} // namespace llie::ref
