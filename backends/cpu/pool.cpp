// cpu MaxPool2d / AvgPool2d on oneDNN's pooling_forward (inference) over plain NCHW, the
// leading axes folded into channels. ceil_mode's extra output row/column becomes extra right
// padding (padding_r = pad + overhang). Semantics vs PyTorch:
//  - max: padding never wins (oneDNN and PyTorch agree);
//  - avg, count_include_pad=False: oneDNN's avg_exclude_padding divides by the in-image part of
//    the window, as PyTorch does;
//  - avg, count_include_pad=True: oneDNN divides by kh·kw always, PyTorch by the window clipped
//    to the declared padding (the ceil overhang is not counted), so windows that run into the
//    overhang are rescaled by kh·kw / clipped size after the primitive (a short OpenMP loop over
//    the last rows/columns only).
#include "backends/cpu/cpu_kernels.h"
#include "backends/op_geometry.h"

#include <algorithm>

namespace llie::cpu {
namespace {

/// The pooling primitive, then (avg with count_include_pad only) the overhang rescale.
class PoolKernel : public SrcDstKernel {
public:
  int64_t planes = 0, OH = 0, OW = 0;
  std::vector<float> rowScale, colScale; // include-pad overhang fix (empty when not needed)
  int64_t firstRow = 0, firstCol = 0;    // rows/cols from here on may need rescaling

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    SrcDstKernel::run(in, out);
    if (rowScale.empty()) return;
    float* y = out[0]->f32();
#pragma omp parallel for schedule(static) if (planes > 16)
    for (int64_t p = 0; p < planes; ++p) {
      float* Y = y + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        int64_t ow0 = oh >= firstRow ? 0 : firstCol;
        for (int64_t ow = ow0; ow < OW; ++ow) Y[oh * OW + ow] *= rowScale[oh] * colScale[ow];
      }
    }
  }
};

/// Per-output-index factor k / clipped-window-size along one axis (1 when not clipped).
std::vector<float> overhangScale(int64_t out, int64_t in, int64_t k, int64_t s, int64_t padL,
                                 int64_t padR, int64_t& first) {
  std::vector<float> f(out, 1.f);
  first = out;
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * s - padL, end = std::min(start + k, in + padR);
    if (end - start != k) {
      f[o] = static_cast<float>(k) / static_cast<float>(end - start);
      first = std::min(first, o);
    }
  }
  return f;
}

Expected<std::unique_ptr<Kernel>> makePool(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Expected<kernels::PoolGeom> geom = kernels::poolGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::PoolGeom& p = *geom;
  int64_t planes = p.planes, H = p.H, W = p.W, OH = p.OH, OW = p.OW;
  int64_t kh = p.kh, kw = p.kw, sh = p.sh, sw = p.sw, pt = p.pt, pb = p.pb, pl = p.pl, pr = p.pr;
  int64_t extraH = std::max<int64_t>(0, (OH - 1) * sh + kh - (H + pt + pb));
  int64_t extraW = std::max<int64_t>(0, (OW - 1) * sw + kw - (W + pl + pr));

  auto k = std::make_unique<PoolKernel>();
  k->ctx = ctx;
  k->planes = planes;
  k->OH = OH;
  k->OW = OW;
  bool isMax = n.op == OpKind::MaxPool2d;
  bool includePad = attrsOf<Pool2dAttrs>(n).countIncludePad;
  if (!isMax && includePad && (extraH || extraW)) {
    int64_t fr, fc;
    k->rowScale = overhangScale(OH, H, kh, sh, pt, pb, fr);
    k->colScale = overhangScale(OW, W, kw, sw, pl, pr, fc);
    k->firstRow = fr;
    k->firstCol = fc;
  }
  auto alg = isMax                ? dnnl::algorithm::pooling_max
             : includePad        ? dnnl::algorithm::pooling_avg_include_padding
                                 : dnnl::algorithm::pooling_avg_exclude_padding;
  return srcDstKernel<dnnl::pooling_forward>(n, std::move(k), [&] {
    return dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, alg,
                                       plainDesc({1, planes, H, W}),
                                       plainDesc({1, planes, OH, OW}), {sh, sw}, {kh, kw},
                                       {pt, pl}, {pb + extraH, pr + extraW});
  });
}

} // namespace

void registerPool(Registry& r) {
  r.add(OpKind::MaxPool2d, makePool);
  r.add(OpKind::AvgPool2d, makePool);
}

} // namespace llie::cpu
