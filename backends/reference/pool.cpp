// Reference 2-D max and average pooling over the last two axes, following PyTorch exactly:
// pads {top, bottom, left, right}; the output size is the node's (ceil_mode only makes it one
// larger, the extra windows running off the bottom/right). Max ignores padding. Average
// divides by the window clipped to the padded input (count_include_pad, as PyTorch: the ceil
// overhang is never counted) or by the in-image part of the window (exclude pad).
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

#include <algorithm>
#include <limits>

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makePool(const Graph& g, const Node& n) {
  Expected<kernels::PoolGeom> geom = kernels::poolGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::PoolGeom p = *geom;
  bool isMax = n.op == OpKind::MaxPool2d, incl = attrsOf<Pool2dAttrs>(n).countIncludePad;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    for (int64_t c = 0; c < p.planes; ++c)
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          int64_t h0 = oh * p.sh - p.pt, w0 = ow * p.sw - p.pl;
          int64_t h1 = std::min(h0 + p.kh, p.H + p.pb), w1 = std::min(w0 + p.kw, p.W + p.pr);
          int64_t poolSize = (h1 - h0) * (w1 - w0);
          int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
          int64_t he = std::min(h1, p.H), we = std::min(w1, p.W);
          double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) {
              double v = X[(c * p.H + ih) * p.W + iw];
              acc = isMax ? std::max(acc, v) : acc + v;
            }
          if (!isMax) {
            int64_t div = incl ? poolSize : (he - hs) * (we - ws);
            acc = div > 0 ? acc / static_cast<double>(div) : 0.0;
          }
          Y[(c * p.OH + oh) * p.OW + ow] = static_cast<float>(acc);
        }
  });
}

} // namespace

void registerPool(Registry& r) {
  r.add(OpKind::MaxPool2d, makePool);
  r.add(OpKind::AvgPool2d, makePool);
}

} // namespace llie::ref
