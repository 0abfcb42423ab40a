// Reference 2-D convolution: NCHW input, OIHW weight (O x C/groups x kh x kw), optional bias,
// stride, asymmetric padding {top, bottom, left, right}, dilation, groups (depthwise when
// groups == C), the fused residual (added to the accumulator before the epilogue; it may share
// the output's buffer: each element is read before it is written), the fused epilogue and a fused
// depthwise stage (run after the first, from its float32 output). Direct seven-deep loop,
// accumulating in double (the loop nest of conv_taps.h).
#include "backends/op_geometry.h"
#include "backends/reference/conv_taps.h"
#include "backends/reference/ref_kernels.h"

#include <vector>

namespace llie::ref {
namespace {

std::string checkConv(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.perSample) return "per-sample weights";
  return "";
}

/// Y = epi(conv(X, Wt) + B + R) over c's geometry (B, R may be null), summed in double: the bias,
/// then the taps in conv_taps.h's order, then the residual.
void convolve(const kernels::ConvGeom& c, const float* X, const float* Wt, const float* B,
              const float* R, float* Y, Epilogue epi, double alpha) {
  const int64_t plane = c.OH * c.OW;
  std::vector<double> acc(static_cast<size_t>(c.N * c.O * plane));
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i] = B ? B[(static_cast<int64_t>(i) / plane) % c.O] : 0.0;
  forEachTap(c, [&](int64_t xi, int64_t wi, int64_t yi) {
    acc[yi] += static_cast<double>(X[xi]) * static_cast<double>(Wt[wi]);
  });
  for (size_t i = 0; i < acc.size(); ++i)
    Y[i] = static_cast<float>(applyEpilogue(epi, alpha, R ? acc[i] + R[i] : acc[i]));
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
