// Reference resize of the last two axes to ResizeAttrs.size, with PyTorch's coordinates:
//  nearest: src = min(floor(dst * (float)in/out), in-1), computed in float exactly as
//           PyTorch's CPU kernel does (identity when out == in, dst/2 when out == 2·in), so the
//           rare float rounding of dst·scale matches PyTorch too;
//  bilinear, align_corners=False: src = max(0, (dst + 0.5)·in/out − 0.5), neighbours i0 and
//           min(i0+1, in−1);
//  bilinear, align_corners=True: src = dst·(in−1)/(out−1) (0 when out == 1).
// Interpolation weights are computed and applied in double.
#include "backends/reference/ref_kernels.h"

#include <algorithm>

namespace llie::ref {
namespace {

int64_t nearestSrc(int64_t dst, int64_t in, int64_t out) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  float scale = static_cast<float>(in) / static_cast<float>(out);
  int64_t s = static_cast<int64_t>(std::floor(static_cast<float>(dst) * scale));
  return std::min(s, in - 1);
}

struct Tap {
  int64_t i0, i1;
  double w1; // weight of i1; i0 gets 1 - w1
};

Tap linearTap(int64_t dst, int64_t in, int64_t out, bool alignCorners) {
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

Expected<std::unique_ptr<Kernel>> makeResize(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  size_t r = x.size();
  if (r < 2 || y.size() != r || a.size.size() != 2) return kernels::badNode(n, "rank/size");
  if (y[r - 2] != a.size[0].off || y[r - 1] != a.size[1].off)
    return kernels::badNode(n, "output shape disagrees with size");
  int64_t planes = 1;
  for (size_t i = 0; i + 2 < r; ++i) planes *= x[i];
  int64_t H = x[r - 2], W = x[r - 1], OH = y[r - 2], OW = y[r - 1];
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
            v = P[nearestSrc(oh, H, OH) * W + nearestSrc(ow, W, OW)];
          } else {
            Tap th = linearTap(oh, H, OH, ac), tw = linearTap(ow, W, OW, ac);
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
