// Reference gradients of conv2d (the oracle for the cpu backend's oneDNN backward primitives):
//  conv2d_grad_input(x, w, dy) -> dx, the transpose of the forward: every dy[n, o, oh, ow]·w
//    scattered back onto the input pixel the forward read (x only lends its shape);
//  conv2d_grad_weight(x, w, dy) -> dw = sum over n, oh, ow of dy·x at the same taps (w only lends
//    its shape).
// The loops are the forward's (reference/conv_taps.h): stride, asymmetric padding {top, bottom,
// left, right}, dilation and groups; everything accumulates in double. Per-sample weights and
// fused epilogues are refused (grad_geometry.h: checkConvGrad).
#include "backends/grad_geometry.h"
#include "backends/reference/conv_taps.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeConvGradInput(const Graph& g, const Node& n) {
  Expected<kernels::ConvGeom> geom = kernels::convGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::ConvGeom c = *geom;
  return kernels::makeFnKernel([c](const auto& in, const auto& out) {
    const float* Wt = in[1]->f32();
    const float* DY = in[2]->f32();
    float* DX = out[0]->f32();
    std::vector<double> acc(c.N * c.C * c.H * c.W, 0.0);
    forEachTap(c, [&](int64_t xi, int64_t wi, int64_t yi) {
      acc[xi] += static_cast<double>(DY[yi]) * Wt[wi];
    });
    for (size_t i = 0; i < acc.size(); ++i)
      DX[i] = static_cast<float>(acc[i]);
  });
}

Expected<std::unique_ptr<Kernel>> makeConvGradWeight(const Graph& g, const Node& n) {
  Expected<kernels::ConvGeom> geom = kernels::convGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::ConvGeom c = *geom;
  return kernels::makeFnKernel([c](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float* DY = in[2]->f32();
    float* DW = out[0]->f32();
    std::vector<double> acc(c.O * c.Cg * c.KH * c.KW, 0.0);
    forEachTap(c, [&](int64_t xi, int64_t wi, int64_t yi) {
      acc[wi] += static_cast<double>(DY[yi]) * X[xi];
    });
    for (size_t i = 0; i < acc.size(); ++i)
      DW[i] = static_cast<float>(acc[i]);
  });
}

} // namespace

void registerConv2dGrad(Registry& r) {
  r.add(OpKind::Conv2dGradInput, makeConvGradInput, kernels::checkConvGrad);
  r.add(OpKind::Conv2dGradWeight, makeConvGradWeight, kernels::checkConvGrad);
}

} // namespace llie::ref
