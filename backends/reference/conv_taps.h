// The reference convolution's loop nest, shared by conv2d (reference/conv2d.cpp) and its
// gradients (reference/conv2d_grad.cpp): every multiply of the forward convolution over a
// ConvGeom (stride, asymmetric padding, dilation, groups), in one fixed order, so the forward's
// sums and the gradients' scatters visit the same taps.
#pragma once
#include "backends/op_geometry.h"

namespace llie::ref {

/// Calls f(xIndex, wIndex, yIndex) for every multiply of the forward convolution: for each
/// output element in row-major order, its taps in (input channel, kh, kw) order.
template <class F> void forEachTap(const kernels::ConvGeom& c, F&& f) {
  int64_t Og = c.O / c.G;
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t o = 0; o < c.O; ++o) {
      int64_t grp = o / Og;
      for (int64_t oh = 0; oh < c.OH; ++oh)
        for (int64_t ow = 0; ow < c.OW; ++ow) {
          int64_t yi = ((n * c.O + o) * c.OH + oh) * c.OW + ow;
          for (int64_t ci = 0; ci < c.Cg; ++ci) {
            int64_t ch = grp * c.Cg + ci;
            for (int64_t kh = 0; kh < c.KH; ++kh) {
              int64_t ih = oh * c.sh - c.pt + kh * c.dh;
              if (ih < 0 || ih >= c.H) continue;
              for (int64_t kw = 0; kw < c.KW; ++kw) {
                int64_t iw = ow * c.sw - c.pl + kw * c.dw;
                if (iw < 0 || iw >= c.W) continue;
                f(((n * c.C + ch) * c.H + ih) * c.W + iw, ((o * c.Cg + ci) * c.KH + kh) * c.KW + kw,
                  yi);
              }
            }
          }
        }
    }
}

} // namespace llie::ref
