// cpu conv2d gradients on oneDNN's backward primitives (v2 API):
//  conv2d_grad_input(x, w, dy) -> dx on convolution_backward_data (weights, diff_dst ->
//    diff_src; x only lends its shape);
//  conv2d_grad_weight(x, w, dy) -> dw on convolution_backward_weights (src, diff_dst ->
//    diff_weights, no bias; w only lends its shape).
// Both need a forward_training convolution primitive descriptor as their hint, built here over
// the same descriptors. Algorithm: Winograd F(4x4, 3x3) where the forward conv runs on it
// (winogradConv, conv2d.cpp), its tensors in oneDNN's layouts (nChw16c activations); else direct.
// A direct gradient whose x or dy is kept channels-last (layout.h) has NHWC activation
// descriptors, which oneDNN's jit kernels read and write as they are (a plain operand is
// reordered into NHWC); otherwise they are format_tag::any and the plain NCHW tensors are
// reordered into the layouts oneDNN chose (blocked) and the result back. Weights are `any`: the
// plain OIHW / GOIHW (grouped) weights, and the weight gradient, are reordered when oneDNN chose
// another layout. The reordered copies live in the kernel's workspace (planned by the executor
// into its arena for the node's step); descriptors, primitives and reorders are built once at
// prepare time. Stride, asymmetric padding (padding_l = {top, left}, padding_r = {bottom,
// right}), dilation (oneDNN's is PyTorch's minus one) and groups; per-sample weights and fused
// epilogues are refused (grad_geometry.h: checkConvGrad).
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/cpu/reorder.h"
#include "backends/grad_geometry.h"

#include <algorithm>
#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

/// One tensor of the primitive: the plain user memory (re-pointed each run) and, when oneDNN
/// chose another layout, the memory in that layout (at `offset` in the kernel's workspace) with
/// its reorder.
struct Port {
  int arg = 0;   ///< DNNL_ARG_* of the primitive
  size_t io = 0; ///< index into the kernel's inputs (ignored for the output)
  size_t offset = 0;
  memory user, inner;
  Reorder re;
  bool reorder = false;

  /// Builds the memories for primitive argument `argument`, read from input `input` (or the
  /// output), staged in `wsBytes` more bytes of workspace when `chosen` is not the plain layout;
  /// a reorder of an activation (not of weights) is counted in ctx.reordersPerRun.
  void setup(int argument, size_t input, const memory::desc& plain, const memory::desc& chosen,
             CpuContext& ctx, size_t& wsBytes, bool isInput, bool activation) {
    arg = argument;
    io = input;
    user = userMemory(plain, ctx);
    reorder = chosen != plain;
    if (!reorder) return;
    inner = userMemory(chosen, ctx);
    offset = wsBytes;
    wsBytes += (chosen.get_size() + 63) / 64 * 64;
    if (activation) ++ctx.reordersPerRun;
    re = isInput ? Reorder(user, inner) : Reorder(inner, user);
  }
  memory& bound(uint8_t* ws, const void* data) {
    bind(user, data);
    if (!reorder) return user;
    bind(inner, ws + offset);
    return inner;
  }
};

/// Two inputs reordered in, one primitive, one output reordered out. The reordered copies live
/// in the kernel's workspace, which the executor plans into its arena for this node's step.
class ConvGradKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::primitive prim;
  Port a, b, result;
  uint8_t* ws = nullptr;
  size_t wsBytes = 0;
  size_t workspaceBytes() const override { return wsBytes; }
  void setWorkspace(void* p) override { ws = static_cast<uint8_t*>(p); }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto& s = ctx->strm;
    // Outside an executor (a kernel run on its own) the backend's shared scratch stands in.
    uint8_t* w = ws || wsBytes == 0 ? ws : static_cast<uint8_t*>(ctx->scratch(0, wsBytes));
    memory& ma = a.bound(w, in[a.io]->data);
    memory& mb = b.bound(w, in[b.io]->data);
    memory& mr = result.bound(w, out[0]->data);
    if (a.reorder) a.re.execute(s, a.user, a.inner);
    if (b.reorder) b.re.execute(s, b.user, b.inner);
    prim.execute(s, {{a.arg, ma}, {b.arg, mb}, {result.arg, mr}});
    if (result.reorder) result.re.execute(s, result.inner, result.user);
    s.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeConvGrad(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Expected<kernels::ConvGeom> geom = kernels::convGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::ConvGeom& c = *geom;
  Dims x{c.N, c.C, c.H, c.W}, y{c.N, c.O, c.OH, c.OW};
  // Weights as oneDNN sees them: OIHW, or GOIHW (G, O/G, C/G, kh, kw) when grouped.
  Dims wd = c.G == 1 ? Dims{c.O, c.Cg, c.KH, c.KW} : Dims{c.G, c.O / c.G, c.Cg, c.KH, c.KW};
  memory::dims strides{c.sh, c.sw}, dil{c.dh - 1, c.dw - 1}, padL{c.pt, c.pl}, padR{c.pb, c.pr};
  bool weight = n.op == OpKind::Conv2dGradWeight;
  if (numel(x) == 0 || numel(y) == 0 || numel(wd) == 0) {
    // Nothing to propagate: the gradient is zero (or empty).
    return kernels::makeFnKernel([](const auto&, const auto& out) {
      std::fill(out[0]->f32(), out[0]->f32() + out[0]->numel(), 0.f);
    });
  }

  auto k = std::make_unique<ConvGradKernel>();
  k->ctx = ctx;
  // The activations' layouts (layout.h): x (the weight gradient's input, or the data gradient's
  // result) and dy. On Winograd (winogradConv) every layout is oneDNN's (nChw16c). Else, when
  // either activation is channels-last, the primitive works in NHWC throughout (a plain one is
  // reordered into it); else every layout is oneDNN's choice.
  const std::vector<Layout> layout = activationLayouts(g);
  const Layout xLayout = layout[weight ? n.inputs[0] : n.outputs[0]], yLayout = layout[n.inputs[2]];
  // Direct convolution where oneDNN has no Winograd kernel for the case after all.
  auto build = [&](bool wino) {
    k->wsBytes = 0;
    const bool nhwc = !wino && (xLayout == Layout::Nhwc || yLayout == Layout::Nhwc);
    auto act = [&](const Dims& d) { return nhwc ? nhwcDesc(d) : anyDesc(d); };
    const auto alg =
        wino ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, alg, act(x), anyDesc(wd),
                                       act(y), strides, dil, padL, padR);
    // oneDNN's F(4x4, 3x3) kernels by name (conv2d.cpp says why); direct takes its first.
    const std::string impl = wino ? "wino_4x3" : "";
    auto hint = pickImpl<dnnl::convolution_forward::primitive_desc>(impl, fd, ctx->eng);
    if (weight) {
      dnnl::convolution_backward_weights::desc d(alg, act(x), anyDesc(wd), act(y), strides, dil,
                                                 padL, padR);
      auto pd =
          pickImpl<dnnl::convolution_backward_weights::primitive_desc>(impl, d, ctx->eng, hint);
      k->prim = dnnl::convolution_backward_weights(pd);
      k->a.setup(DNNL_ARG_SRC, 0, activationDesc(x, xLayout), pd.src_desc(), *ctx, k->wsBytes, true,
                 true);
      k->b.setup(DNNL_ARG_DIFF_DST, 2, activationDesc(y, yLayout), pd.diff_dst_desc(), *ctx,
                 k->wsBytes, true, true);
      k->result.setup(DNNL_ARG_DIFF_WEIGHTS, 0, plainDesc(wd), pd.diff_weights_desc(), *ctx,
                      k->wsBytes, false, false);
    } else {
      dnnl::convolution_backward_data::desc d(alg, act(x), anyDesc(wd), act(y), strides, dil, padL,
                                              padR);
      auto pd = pickImpl<dnnl::convolution_backward_data::primitive_desc>(impl, d, ctx->eng, hint);
      k->prim = dnnl::convolution_backward_data(pd);
      k->a.setup(DNNL_ARG_WEIGHTS, 1, plainDesc(wd), pd.weights_desc(), *ctx, k->wsBytes, true,
                 false);
      k->b.setup(DNNL_ARG_DIFF_DST, 2, activationDesc(y, yLayout), pd.diff_dst_desc(), *ctx,
                 k->wsBytes, true, true);
      k->result.setup(DNNL_ARG_DIFF_SRC, 0, activationDesc(x, xLayout), pd.diff_src_desc(), *ctx,
                      k->wsBytes, false, true);
    }
  };
  return finishKernel(n, k, [&] {
    if (!winogradConv(g, n)) return build(false);
    try {
      build(true);
    } catch (const dnnl::error&) {
      build(false);
    }
  });
}

} // namespace

void registerConv2dGrad(Registry& r) {
  r.add(OpKind::Conv2dGradInput, makeConvGrad, kernels::checkConvGrad);
  r.add(OpKind::Conv2dGradWeight, makeConvGrad, kernels::checkConvGrad);
}

} // namespace llie::cpu
