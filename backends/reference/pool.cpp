// Reference 2-D max and average pooling over the last two axes, following PyTorch exactly:
// pads {top, bottom, left, right}; the output size is the node's (ceil_mode only makes it one
// larger, the extra windows running off the bottom/right). Max ignores padding. Average
// divides by the window clipped to the padded input (count_include_pad, as PyTorch: the ceil
// overhang is never counted) or by the in-image part of the window (exclude pad).
#include "backends/reference/ref_kernels.h"

#include <algorithm>
#include <limits>

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makePool(const Graph& g, const Node& n) {
  const auto& a = attrsOf<Pool2dAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  if (x.size() < 2 || y.size() != x.size()) return kernels::badNode(n, "rank");
  if (a.kernel.size() != 2 || a.stride.size() != 2 || a.pad.size() != 4)
    return kernels::badNode(n, "kernel/stride/pad");
  size_t r = x.size();
  int64_t planes = 1;
  for (size_t i = 0; i + 2 < r; ++i) {
    if (x[i] != y[i]) return kernels::badNode(n, "leading dims");
    planes *= x[i];
  }
  int64_t H = x[r - 2], W = x[r - 1], OH = y[r - 2], OW = y[r - 1];
  int64_t kh = a.kernel[0], kw = a.kernel[1], sh = a.stride[0], sw = a.stride[1];
  int64_t pt = a.pad[0], pb = a.pad[1], pl = a.pad[2], pr = a.pad[3];
  bool isMax = n.op == OpKind::MaxPool2d, incl = a.countIncludePad;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t h0 = oh * sh - pt, w0 = ow * sw - pl;
          int64_t h1 = std::min(h0 + kh, H + pb), w1 = std::min(w0 + kw, W + pr);
          int64_t poolSize = (h1 - h0) * (w1 - w0);
          int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
          int64_t he = std::min(h1, H), we = std::min(w1, W);
          double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) {
              double v = X[(p * H + ih) * W + iw];
              acc = isMax ? std::max(acc, v) : acc + v;
            }
          if (!isMax) {
            int64_t div = incl ? poolSize : (he - hs) * (we - ws);
            acc = div > 0 ? acc / static_cast<double>(div) : 0.0;
          }
          Y[(p * OH + oh) * OW + ow] = static_cast<float>(acc);
        }
  });
}

} // namespace

void registerPool(Registry& r) {
  r.add(OpKind::MaxPool2d, makePool);
  r.add(OpKind::AvgPool2d, makePool);
}

} // namespace llie::ref
