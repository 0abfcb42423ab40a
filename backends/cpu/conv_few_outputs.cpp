// cpu Conv2d with few output channels (a network's head: the flagship's 32 -> 3 conv + sigmoid)
// over an input stored NHWC or nChw16c. oneDNN computes such a conv on 16 output channels to
// keep 3, at a sixth of its usual throughput; this kernel computes only the channels there are.
// Each output pixel is O dot products over the KH·KW taps and the input channels: the channels
// are read 16 at a time (one nChw16c block, or 16 consecutive NHWC channels), multiplied lane by
// lane into one 16-lane partial sum per output channel, and the lanes are summed at the end of
// the pixel, plus the bias. Four pixels of a row go together. The epilogue activation is oneDNN's
// eltwise in place over the output (vectorised, unlike a scalar exp per value). The weights are
// regrouped per run into the same [tap][channel block][o][16] order (O·C·KH·KW floats: nothing
// next to the pixels).
// The vectors are GCC's generic vectors, compiled for AVX-512, AVX2 and the baseline
// (simd_clones.h). Any stride, dilation and padding; one group; no residual or fused depthwise
// stage. The output is plain NCHW or NHWC.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/op_geometry.h"
#include "backends/simd_clones.h"

#include <cstring>

// The helpers pass 64-byte vectors by value, whose ABI differs with and without AVX-512 (GCC's
// -Wpsabi note); they are always inlined into the clones, so no call ever crosses that ABI.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace llie::cpu {
namespace {

using V16 = float __attribute__((vector_size(64)));
using V8 = float __attribute__((vector_size(32)));
using V4 = float __attribute__((vector_size(16)));

[[gnu::always_inline]] inline V16 load16(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// The sum of the 16 lanes, as a tree: (lanes 0-7 + 8-15), then halves again.
[[gnu::always_inline]] inline float laneSum(V16 v) {
  V8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
         __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  V4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

struct FewOutputGeom {
  kernels::ConvGeom c;
  int64_t CB;                       // channel blocks of 16
  int64_t xImage, xBlock, xPixel;   // input strides, in floats
  int64_t yImage, yChannel, yPixel; // output strides
};

/// P output pixels (image n, row oh, columns ow0..ow0+P-1) of O output channels; `wr` holds the
/// regrouped weights. P pixels at once keep O·P partial sums in flight (one would wait on each
/// addition's latency) and load each weight vector once for all of them.
template <int O, int P>
[[gnu::always_inline]] inline void fewOutputPixels(const FewOutputGeom& g, const float* xn,
                                                   const float* wr, const float* bias, float* y,
                                                   int64_t oh, int64_t ow0) {
  const kernels::ConvGeom& c = g.c;
  V16 acc[P][O];
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int o = 0; o < O; ++o)
      acc[p][o] = V16{};
  for (int64_t kh = 0; kh < c.KH; ++kh) {
    const int64_t ih = oh * c.sh + kh * c.dh - c.pt;
    if (ih < 0 || ih >= c.H) continue;
    for (int64_t kw = 0; kw < c.KW; ++kw) {
      const float* wt = wr + (kh * c.KW + kw) * g.CB * O * 16;
      const float* px[P];
      bool in[P];
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) {
        const int64_t iw = (ow0 + p) * c.sw + kw * c.dw - c.pl;
        in[p] = iw >= 0 && iw < c.W;
        px[p] = xn + (ih * c.W + iw) * g.xPixel;
      }
      for (int64_t cb = 0; cb < g.CB; ++cb) {
        V16 w[O];
#pragma GCC unroll 4
        for (int o = 0; o < O; ++o)
          w[o] = load16(wt + (cb * O + o) * 16);
#pragma GCC unroll 4
        for (int p = 0; p < P; ++p) {
          if (!in[p]) continue;
          const V16 v = load16(px[p] + cb * g.xBlock);
#pragma GCC unroll 4
          for (int o = 0; o < O; ++o)
            acc[p][o] += v * w[o];
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p) {
    float* yp = y + (oh * c.OW + ow0 + p) * g.yPixel;
#pragma GCC unroll 4
    for (int o = 0; o < O; ++o)
      yp[o * g.yChannel] = laneSum(acc[p][o]) + (bias ? bias[o] : 0.f);
  }
}

/// One output row (image n, row oh): 4 pixels at a time, then the rest one by one.
template <int O>
LLIE_SIMD_CLONES void fewOutputRow(const FewOutputGeom& g, const float* __restrict x,
                                   const float* __restrict wr, const float* __restrict bias,
                                   float* __restrict y, int64_t n, int64_t oh) {
  const float* xn = x + n * g.xImage;
  float* yn = y + n * g.yImage;
  int64_t ow = 0;
  for (; ow + 4 <= g.c.OW; ow += 4)
    fewOutputPixels<O, 4>(g, xn, wr, bias, yn, oh, ow);
  for (; ow < g.c.OW; ++ow)
    fewOutputPixels<O, 1>(g, xn, wr, bias, yn, oh, ow);
}

class FewOutputConvKernel : public Kernel {
public:
  CtxPtr ctx;
  FewOutputGeom geom;
  std::vector<float> wr; // [KH·KW][CB][O][16]
  bool hasEpilogue = false;
  dnnl::eltwise_forward epilogue; // in place over the output
  dnnl::memory yMem;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const kernels::ConvGeom& c = geom.c;
    const float* w = in[1]->f32(); // OIHW
    for (int64_t o = 0; o < c.O; ++o)
      for (int64_t ch = 0; ch < c.C; ++ch)
        for (int64_t t = 0; t < c.KH * c.KW; ++t)
          wr[((t * geom.CB + ch / 16) * c.O + o) * 16 + ch % 16] =
              w[(o * c.C + ch) * c.KH * c.KW + t];
    const float* x = in[0]->f32();
    const float* bias = c.hasBias ? in[2]->f32() : nullptr;
    float* y = out[0]->f32();
    const FewOutputGeom& g = geom;
    const float* W = wr.data();
    const int64_t rows = c.N * c.OH;
#pragma omp parallel for schedule(static) if (rows * c.OW * c.C * c.KH * c.KW > 65536)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t n = r / c.OH, oh = r % c.OH;
      switch (c.O) {
      case 1:
        fewOutputRow<1>(g, x, W, bias, y, n, oh);
        break;
      case 2:
        fewOutputRow<2>(g, x, W, bias, y, n, oh);
        break;
      case 3:
        fewOutputRow<3>(g, x, W, bias, y, n, oh);
        break;
      default:
        fewOutputRow<4>(g, x, W, bias, y, n, oh);
        break;
      }
    }
    if (hasEpilogue) {
      bind(yMem, y);
      epilogue.execute(ctx->strm, {{DNNL_ARG_SRC, yMem}, {DNNL_ARG_DST, yMem}});
      ctx->strm.wait();
    }
  }
};

} // namespace

bool fewOutputConv(const Graph& g, const Node& n) {
  if (n.op != OpKind::Conv2d) return false;
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.perSample || a.residual || a.depthwise || a.groups != 1) return false;
  Expected<kernels::ConvGeom> c = kernels::convGeometry(g, n);
  return c && c->O <= kFewOutputChannels && c->C % 16 == 0 && c->C > 0 &&
         g.type(n.inputs[0]).dtype == DType::F32;
}

Expected<std::unique_ptr<Kernel>> makeFewOutputConv(const Graph& g, const Node& n,
                                                    const CtxPtr& ctx, Layout in, Layout out) {
  LLIE_ASSIGN_OR_RETURN(kernels::ConvGeom c, kernels::convGeometry(g, n));
  const auto& a = attrsOf<Conv2dAttrs>(n);
  auto k = std::make_unique<FewOutputConvKernel>();
  FewOutputGeom& f = k->geom;
  f.c = c;
  f.CB = c.C / 16;
  f.xImage = c.C * c.H * c.W;
  f.xBlock = in == Layout::Blocked16 ? c.H * c.W * 16 : 16;
  f.xPixel = in == Layout::Blocked16 ? 16 : c.C;
  f.yImage = c.O * c.OH * c.OW;
  f.yChannel = out == Layout::Nhwc ? 1 : c.OH * c.OW;
  f.yPixel = out == Layout::Nhwc ? c.O : 1;
  k->wr.assign(static_cast<size_t>(c.KH * c.KW * f.CB * c.O * 16), 0.f);
  k->ctx = ctx;
  return finishKernel(n, k, [&] {
    const dnnl::memory::desc flat = plainDesc({c.N * c.O * c.OH * c.OW});
    auto epilogue =
        epiloguePrimitive(a.epilogue, static_cast<float>(a.epilogueAlpha), flat, ctx->eng);
    if (!epilogue) return;
    k->epilogue = *epilogue;
    k->yMem = userMemory(flat, *ctx);
    k->hasEpilogue = true;
  });
}

} // namespace llie::cpu
