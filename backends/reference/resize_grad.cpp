// Reference gradient of resize (the oracle for the cpu backend's host version): the exact
// transpose of the forward in reference/resize.cpp. Every dy[p, oh, ow] is scattered onto the
// source pixels the forward read for that output, with the forward's weights:
//  nearest: all of dy to (nearestSrc(oh), nearestSrc(ow)), PyTorch's floor rule;
//  bilinear: dy·(1 − wh)(1 − ww), dy·(1 − wh)·ww, dy·wh·(1 − ww), dy·wh·ww to the four taps of
//    kernels::linearTap (half-pixel rule, or align_corners), the two taps of an edge coinciding.
// Accumulation in double.
#include "backends/grad_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Expected<kernels::PlaneGeom> geom = kernels::resizeGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  int64_t planes = geom->planes, H = geom->H, W = geom->W, OH = geom->OH, OW = geom->OW;
  bool nearest = a.mode == ResizeMode::Nearest, ac = a.alignCorners;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* DY = in[1]->f32();
    float* DX = out[0]->f32();
    std::vector<double> acc(planes * H * W, 0.0);
    for (int64_t p = 0; p < planes; ++p) {
      double* P = acc.data() + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double dy = DY[(p * OH + oh) * OW + ow];
          if (nearest) {
            P[kernels::nearestSrc(oh, H, OH) * W + kernels::nearestSrc(ow, W, OW)] += dy;
          } else {
            kernels::LinearTap th = kernels::linearTap(oh, H, OH, ac);
            kernels::LinearTap tw = kernels::linearTap(ow, W, OW, ac);
            double top = dy * (1 - th.w1), bot = dy * th.w1;
            P[th.i0 * W + tw.i0] += top * (1 - tw.w1);
            P[th.i0 * W + tw.i1] += top * tw.w1;
            P[th.i1 * W + tw.i0] += bot * (1 - tw.w1);
            P[th.i1 * W + tw.i1] += bot * tw.w1;
          }
        }
    }
    for (size_t i = 0; i < acc.size(); ++i)
      DX[i] = static_cast<float>(acc[i]);
  });
}

} // namespace

void registerResizeGrad(Registry& r) {
  r.add(OpKind::ResizeGrad, makeResizeGrad);
}

} // namespace llie::ref
