// cpu Resize of the last two axes, PyTorch coordinates (op_geometry.h, reference/resize.cpp):
//  - bilinear, align_corners=False: oneDNN resampling_linear. Its map (dst+0.5)·in/out−0.5 with
//    the left tap clamped to 0 and the right tap to in−1 equals PyTorch's;
//  - nearest with an integer upsampling factor on both axes (including 1): oneDNN
//    resampling_nearest. oneDNN rounds (dst+0.5)·in/out−0.5 ("half-pixel" nearest, PyTorch's
//    'nearest-exact'), which equals PyTorch's floor(dst·in/out) only for integer upsampling;
//  - everything else (nearest downsampling or non-integer ratios, bilinear align_corners=True):
//    an OpenMP loop in float over per-row/column index and weight tables built at prepare time
//    from the shared kernels::nearestSrc / kernels::linearTap.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/op_geometry.h"

namespace llie::cpu {
namespace {

/// One output coordinate's taps: value = x[i0]·(1−w) + x[i1]·w (nearest: i1 = i0, w = 0).
struct Tap {
  int64_t i0, i1;
  float w;
};

std::vector<Tap> taps(int64_t in, int64_t out, bool nearest, bool alignCorners) {
  std::vector<Tap> t(out);
  for (int64_t o = 0; o < out; ++o) {
    if (nearest) {
      int64_t s = kernels::nearestSrc(o, in, out);
      t[o] = {s, s, 0.f};
    } else {
      kernels::LinearTap l = kernels::linearTap(o, in, out, alignCorners);
      t[o] = {l.i0, l.i1, static_cast<float>(l.w1)};
    }
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
  Expected<kernels::PlaneGeom> geom = kernels::resizeGeometry(g, n);
  if (!geom) return geom.takeStatus();
  int64_t planes = geom->planes, H = geom->H, W = geom->W, OH = geom->OH, OW = geom->OW;
  if (H <= 0 || W <= 0 || OH <= 0 || OW <= 0) return kernels::badNode(n, "empty spatial axes");
  bool nearest = a.mode == ResizeMode::Nearest;
  bool useDnnl = resizeOnDnnl(g, n);

  if (!useDnnl) {
    auto k = std::make_unique<LoopResizeKernel>();
    k->planes = planes, k->H = H, k->W = W, k->OH = OH, k->OW = OW;
    k->th = taps(H, OH, nearest, a.alignCorners);
    k->tw = taps(W, OW, nearest, a.alignCorners);
    return std::unique_ptr<Kernel>(std::move(k));
  }
  auto alg = nearest ? dnnl::algorithm::resampling_nearest : dnnl::algorithm::resampling_linear;
  // A channels-last or blocked value (layout.h) is 4-D: resample it as [N, C, H, W] so.
  if (const Layout layout = activationLayouts(g)[n.outputs[0]]; layout != Layout::Plain) {
    Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
    return srcDstKernel<dnnl::resampling_forward>(n, ctx, [&] {
      return dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference, alg,
                                            activationDesc(x, layout), activationDesc(y, layout));
    });
  }
  return srcDstKernel<dnnl::resampling_forward>(n, ctx, [&] {
    return dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference, alg,
                                          plainDesc({1, planes, H, W}),
                                          plainDesc({1, planes, OH, OW}));
  });
}

} // namespace

void registerResize(Registry& r) {
  r.add(OpKind::Resize, makeResize);
}

} // namespace llie::cpu
