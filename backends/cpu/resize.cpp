// cpu Resize of the last two axes, PyTorch coordinates (see reference/resize.cpp):
//  - bilinear, align_corners=False: oneDNN resampling_linear. Its map (dst+0.5)·in/out−0.5 with
//    the left tap clamped to 0 and the right tap to in−1 equals PyTorch's;
//  - nearest with an integer upsampling factor on both axes (including 1): oneDNN
//    resampling_nearest. oneDNN rounds (dst+0.5)·in/out−0.5 ("half-pixel" nearest, PyTorch's
//    'nearest-exact'), which equals PyTorch's floor(dst·in/out) only for integer upsampling;
//  - everything else (nearest downsampling or non-integer ratios, bilinear align_corners=True):
//    an OpenMP loop over per-row/column index and weight tables built at prepare time.
#include "backends/cpu/cpu_kernels.h"

#include <algorithm>
#include <cmath>

namespace llie::cpu {
namespace {

using dnnl::memory;

class ResampleKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::resampling_forward prim;
  memory src, dst;
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(dst, out[0]->data);
    prim.execute(ctx->strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    ctx->strm.wait();
  }
};

/// One output coordinate's taps: value = x[i0]·(1−w) + x[i1]·w (nearest: i1 = i0, w = 0).
struct Tap {
  int64_t i0, i1;
  float w;
};

std::vector<Tap> nearestTaps(int64_t in, int64_t out) {
  std::vector<Tap> t(out);
  float scale = static_cast<float>(in) / static_cast<float>(out); // PyTorch's float scale
  for (int64_t o = 0; o < out; ++o) {
    int64_t s = out == in ? o
                : out == 2 * in
                    ? o / 2
                    : std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)),
                               in - 1);
    t[o] = {s, s, 0.f};
  }
  return t;
}

std::vector<Tap> linearTaps(int64_t in, int64_t out, bool alignCorners) {
  std::vector<Tap> t(out);
  for (int64_t o = 0; o < out; ++o) {
    double s = alignCorners ? (out > 1 ? static_cast<double>(o) * (in - 1) / (out - 1) : 0.0)
                            : std::max(0.0, (o + 0.5) * static_cast<double>(in) / out - 0.5);
    int64_t i0 = std::min(static_cast<int64_t>(s), in - 1);
    t[o] = {i0, i0 < in - 1 ? i0 + 1 : i0, static_cast<float>(s - static_cast<double>(i0))};
  }
  return t;
}

class LoopResizeKernel : public Kernel {
public:
  int64_t planes = 0, H = 0, W = 0, OH = 0, OW = 0;
  std::vector<Tap> th, tw;
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->f32();
    float* y = out[0]->f32();
#pragma omp parallel for collapse(2) schedule(static) if (planes * OH * OW > 32768)
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const Tap& a = th[oh];
        const float* r0 = x + (p * H + a.i0) * W;
        const float* r1 = x + (p * H + a.i1) * W;
        float* Y = y + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const Tap& b = tw[ow];
          float top = r0[b.i0] + (r0[b.i1] - r0[b.i0]) * b.w;
          float bot = r1[b.i0] + (r1[b.i1] - r1[b.i0]) * b.w;
          Y[ow] = top + (bot - top) * a.w;
        }
      }
  }
};

Expected<std::unique_ptr<Kernel>> makeResize(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  size_t r = x.size();
  if (r < 2 || y.size() != r || a.size.size() != 2) return kernels::badNode(n, "rank/size");
  if (y[r - 2] != a.size[0].off || y[r - 1] != a.size[1].off)
    return kernels::badNode(n, "output shape disagrees with size");
  int64_t planes = 1;
  for (size_t i = 0; i + 2 < r; ++i) planes *= x[i];
  int64_t H = x[r - 2], W = x[r - 1], OH = y[r - 2], OW = y[r - 1];
  if (H <= 0 || W <= 0 || OH <= 0 || OW <= 0) return kernels::badNode(n, "empty spatial axes");
  bool nearest = a.mode == ResizeMode::Nearest;
  bool useDnnl = nearest ? (OH % H == 0 && OW % W == 0) : !a.alignCorners;

  if (!useDnnl) {
    auto k = std::make_unique<LoopResizeKernel>();
    k->planes = planes, k->H = H, k->W = W, k->OH = OH, k->OW = OW;
    k->th = nearest ? nearestTaps(H, OH) : linearTaps(H, OH, a.alignCorners);
    k->tw = nearest ? nearestTaps(W, OW) : linearTaps(W, OW, a.alignCorners);
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto k = std::make_unique<ResampleKernel>();
  k->ctx = ctx;
  Status st = dnnlBuild(n, [&] {
    memory::desc src = plainDesc({1, planes, H, W}), dst = plainDesc({1, planes, OH, OW});
    dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference,
                                     nearest ? dnnl::algorithm::resampling_nearest
                                             : dnnl::algorithm::resampling_linear,
                                     src, dst);
    dnnl::resampling_forward::primitive_desc pd(d, ctx->eng);
    k->prim = dnnl::resampling_forward(pd);
    k->src = userMemory(src, *ctx);
    k->dst = userMemory(dst, *ctx);
  });
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerResize(Registry& r) { r.add(OpKind::Resize, makeResize); }

} // namespace llie::cpu
