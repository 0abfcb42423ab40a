// Reference resize of the last two axes to ResizeAttrs.size, with PyTorch's source coordinates
// (op_geometry.h: kernels::nearestSrc, kernels::linearTap):
//  nearest: src = min(floor(dst * (float)in/out), in-1), in float as PyTorch's CPU kernel;
//  bilinear, align_corners=False: src = max(0, (dst + 0.5)·in/out − 0.5), neighbours i0 and
//           min(i0+1, in−1);
//  bilinear, align_corners=True: src = dst·(in−1)/(out−1) (0 when out == 1).
// Interpolation weights are computed and applied in double.
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeResize(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Expected<kernels::PlaneGeom> geom = kernels::resizeGeometry(g, n);
  if (!geom) return geom.takeStatus();
  int64_t planes = geom->planes, H = geom->H, W = geom->W, OH = geom->OH, OW = geom->OW;
  bool nearest = a.mode == ResizeMode::Nearest, ac = a.alignCorners;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    for (int64_t p = 0; p < planes; ++p) {
      const float* P = X + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double v;
          if (nearest) {
            v = P[kernels::nearestSrc(oh, H, OH) * W + kernels::nearestSrc(ow, W, OW)];
          } else {
            kernels::LinearTap th = kernels::linearTap(oh, H, OH, ac);
            kernels::LinearTap tw = kernels::linearTap(ow, W, OW, ac);
            double top = P[th.i0 * W + tw.i0] * (1 - tw.w1) + P[th.i0 * W + tw.i1] * tw.w1;
            double bot = P[th.i1 * W + tw.i0] * (1 - tw.w1) + P[th.i1 * W + tw.i1] * tw.w1;
            v = top * (1 - th.w1) + bot * th.w1;
          }
          Y[(p * OH + oh) * OW + ow] = static_cast<float>(v);
        }
    }
  });
}

} // namespace

void registerResize(Registry& r) { r.add(OpKind::Resize, makeResize); }

} // namespace llie::ref
