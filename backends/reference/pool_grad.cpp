// Reference gradients of 2-D max and average pooling (the oracle for the cpu backend's host
// versions), with the windows of the forward in reference/pool.cpp exactly: pads {top, bottom,
// left, right}, dy's size fixes the output (ceil_mode's overhang included), the window clipped to
// [−pad, in + pad) and read over its in-image part.
//  max_pool2d_grad(x, dy): each dy goes to the first maximal element of its window in row-major
//    scan order, PyTorch's rule (an element is taken when it is greater than the best so far or
//    NaN; the first element of the window when none is);
//  avg_pool2d_grad(x, dy): each dy / divisor is added to every in-image element of its window,
//    the divisor being the forward's (count_include_pad: the window clipped to the padded input;
//    otherwise its in-image part; an empty window contributes nothing).
// Accumulation in double.
#include "backends/grad_geometry.h"
#include "backends/reference/ref_kernels.h"

#include <algorithm>
#include <limits>

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makePoolGrad(const Graph& g, const Node& n) {
  Expected<kernels::PoolGeom> geom = kernels::poolGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::PoolGeom p = *geom;
  bool isMax = n.op == OpKind::MaxPool2dGrad, incl = attrsOf<Pool2dAttrs>(n).countIncludePad;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    const float* DY = in[1]->f32();
    float* DX = out[0]->f32();
    std::vector<double> acc(p.planes * p.H * p.W, 0.0);
    for (int64_t c = 0; c < p.planes; ++c)
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          double dy = DY[(c * p.OH + oh) * p.OW + ow];
          int64_t h0 = oh * p.sh - p.pt, w0 = ow * p.sw - p.pl;
          int64_t h1 = std::min(h0 + p.kh, p.H + p.pb), w1 = std::min(w0 + p.kw, p.W + p.pr);
          int64_t poolSize = (h1 - h0) * (w1 - w0);
          int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
          int64_t he = std::min(h1, p.H), we = std::min(w1, p.W);
          if (he <= hs || we <= ws) continue; // nothing of the window is in the image
          if (isMax) {
            int64_t best = (c * p.H + hs) * p.W + ws;
            double bestV = -std::numeric_limits<double>::infinity();
            for (int64_t ih = hs; ih < he; ++ih)
              for (int64_t iw = ws; iw < we; ++iw) {
                int64_t k = (c * p.H + ih) * p.W + iw;
                double v = X[k];
                if (v > bestV || std::isnan(v)) bestV = v, best = k;
              }
            acc[best] += dy;
          } else {
            int64_t div = incl ? poolSize : (he - hs) * (we - ws);
            for (int64_t ih = hs; ih < he; ++ih)
              for (int64_t iw = ws; iw < we; ++iw)
                acc[(c * p.H + ih) * p.W + iw] += dy / static_cast<double>(div);
          }
        }
    for (size_t i = 0; i < acc.size(); ++i)
      DX[i] = static_cast<float>(acc[i]);
  });
}

} // namespace

void registerPoolGrad(Registry& r) {
  r.add(OpKind::MaxPool2dGrad, makePoolGrad);
  r.add(OpKind::AvgPool2dGrad, makePoolGrad);
}

} // namespace llie::ref
