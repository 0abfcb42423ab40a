// cpu Conv2d on oneDNN's convolution_forward (inference): src, weights and dst descriptors are
// format_tag::any so oneDNN picks its preferred (often blocked) layouts; the kernel reorders
// plain NCHW src into that layout, the plain OIHW / GOIHW weights into theirs, and the dst back
// to NCHW; activations the cpu backend keeps channels-last or blocked (layout.h) are read and
// written so, which is what oneDNN's brgconv (NHWC) and Winograd (nChw16c) kernels want, with no
// reorder at all. The src and dst copies live
// in the kernel's workspace, which the executor plans into its arena for this node's step only
// (so it reuses bytes that are free then). Weights that stay fixed between weight loads (an
// inference graph's parameters, or values computed from them only) are reordered once after each
// load into a buffer the kernel keeps; other weights (training, dynamic weights) are reordered on
// every run, through the workspace. Bias is optional; the epilogue activation is a post-op. A
// fused residual is oneDNN's sum post-op before it: the residual is first copied (or reordered)
// into the destination, unless the memory plan already gave the output the residual's bytes
// (in place, the usual case). oneDNN's dilation is PyTorch's minus one; padding is
// padding_l = {top, left}, padding_r = {bottom, right}.
//
// Algorithm: Winograd F(4x4, 3x3) (oneDNN's jit_wino_4x3) for 3x3, stride-1, undilated,
// ungrouped convs with at least kWinogradMinChannels input and kWinogradMinOutChannels output
// channels, without a residual or a fused depthwise stage (winogradConv; oneDNN 2.6 has no
// Winograd kernel for the others): it does 4x fewer multiplications than direct convolution;
// measured on the flagship's layers (2 threads) it takes 0.4-0.7x the time of the direct
// brgconv (0.6x for Zero-DCE's 64 -> 24 output conv), and ~1e-6 relative float32 error against
// float64 (2x the direct kernel's; tests/backends/cpu_conv_cases_test.cpp). Its kernel takes a
// ReLU post-op and no other activation: a ReLU6, sigmoid, tanh or leaky ReLU epilogue runs as
// oneDNN's eltwise in place over the output (one more pass over memory, which costs far less
// than Winograd saves). oneDNN offers its F(2x2, 3x3) kernel first, which is slower on every
// flagship layer, so the kernel picks 4x3 by name.
// Winograd reads and writes nChw16c: the layout analysis (layout.h) keeps the values around
// these convs blocked where that saves reorders (inference graphs), and a direct conv that
// touches a blocked value first tries the layouts as they are; elsewhere the kernel reorders
// NHWC to nChw16c and back (reorder.h). Winograd transforms the weights, once per weight load
// when they are fixed (inference), else on every run, at ~60 ns per weight element: so a
// training step's convs (and their gradients, conv2d_grad.cpp) take it only from
// kWinogradMinPixelsPerRun output pixels on, where it repays that (measured on the flagship's
// layers at batch 4: 64x64 breaks even, 128x128 and 256x256 gain 35-60%). On the flagship's step
// at batch 4, 256x256, Winograd makes the step ~15% faster. The gradient parity test at 32x32
// (tests/parity/README.md) runs below that size, on direct convolution: its step-0 gradient has
// ReLU6 inputs within 4e-7 of their kink, which any change of rounding flips; the Winograd
// gradients are checked case by case against float64 (tests/backends/grad_kernels_test.cpp).
// A conv with a few output channels (a network's head) over NHWC or nChw16c runs on
// conv_few_outputs.cpp's kernel. Everything else is oneDNN's direct convolution.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/cpu/reorder.h"
#include "backends/grad_geometry.h"
#include "backends/op_geometry.h"
#include "compiler/passes/weight_only.h"

#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

std::string checkConv(const Graph& g, const Node& n) {
  if (attrsOf<Conv2dAttrs>(n).perSample) return "per-sample weights";
  return "";
}

class ConvKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::convolution_forward conv;
  bool hasBias = false;
  // User (plain) memories, re-pointed each run.
  memory userSrc, userWei, userDst, bias;
  // A fused residual: its memory (the output's layout) and its copy into the destination.
  bool hasResidual = false;
  memory userRes;
  Reorder resCopy;
  // Primitive-layout memories and the reorders into / out of them (null when plain already).
  memory src, wei, dst;
  size_t srcBytes = 0, weiBytes = 0, dstBytes = 0;
  Reorder srcReorder, weiReorder, dstReorder;
  bool reSrc = false, reWei = false, reDst = false;
  // Fixed weights: their blocked copy, kept by the kernel, and whether it is up to date.
  bool keepWei = false, weiFresh = false;
  void* keptWei = nullptr;
  // A fused depthwise stage (oneDNN's depthwise post-op): its weights, reordered on every run
  // (a few KiB), and its bias.
  // The fused kernels' scratchpad (their row buffers, or the generic path's whole intermediate)
  // comes from the workspace, so the memory plan sees it.
  bool hasDepthwise = false, hasScratch = false;
  memory userDwWei, dwWei, dwBias, scratch;
  dnnl::reorder dwReorder;
  // An epilogue activation the primitive does not take as a post-op (Winograd's kernel takes
  // only ReLU), run in place over its output.
  bool hasEpilogue = false;
  dnnl::eltwise_forward epilogue;

  ~ConvKernel() override {
    if (keptWei) ctx->unkeep(keptWei, weiBytes);
  }

  void weightsChanged() override { weiFresh = false; }
  // The workspace (planned into the executor's arena): [src copy | weights copy | dst copy].
  uint8_t* ws = nullptr;
  size_t srcOff = 0, weiOff = 0, dstOff = 0, dwOff = 0, scratchOff = 0, wsBytes = 0;
  size_t workspaceBytes() const override { return wsBytes; }
  void setWorkspace(void* p) override { ws = static_cast<uint8_t*>(p); }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto& s = ctx->strm;
    bind(userSrc, in[0]->data);
    bind(userWei, in[1]->data);
    bind(userDst, out[0]->data);
    if (hasBias) bind(bias, in[2]->data);
    // Outside an executor (a kernel run on its own) the backend's shared scratch stands in.
    uint8_t* w = ws || wsBytes == 0 ? ws : static_cast<uint8_t*>(ctx->scratch(0, wsBytes));
    if (reSrc) bind(src, w + srcOff);
    if (reWei && !keepWei) bind(wei, w + weiOff);
    if (reDst) bind(dst, w + dstOff);
    if (reSrc) srcReorder.execute(s, userSrc, src);
    if (hasResidual && (reDst || in.back()->data != out[0]->data)) {
      bind(userRes, in.back()->data);
      resCopy.execute(s, userRes, reDst ? dst : userDst);
    }
    if (reWei && !(keepWei && weiFresh)) {
      weiReorder.execute(s, userWei, wei);
      weiFresh = true;
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, reSrc ? src : userSrc},
                                         {DNNL_ARG_WEIGHTS, reWei ? wei : userWei},
                                         {DNNL_ARG_DST, reDst ? dst : userDst}};
    if (hasBias) args[DNNL_ARG_BIAS] = bias;
    if (hasDepthwise) {
      bind(userDwWei, in[3]->data);
      bind(dwWei, w + dwOff);
      bind(dwBias, in[4]->data);
      dwReorder.execute(s, userDwWei, dwWei);
      args[DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS] = dwWei;
      args[DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS] = dwBias;
      if (hasScratch) {
        bind(scratch, w + scratchOff);
        args[DNNL_ARG_SCRATCHPAD] = scratch;
      }
    }
    conv.execute(s, args);
    if (hasEpilogue) {
      memory& y = reDst ? dst : userDst;
      epilogue.execute(s, {{DNNL_ARG_SRC, y}, {DNNL_ARG_DST, y}});
    }
    if (reDst) dstReorder.execute(s, dst, userDst);
    s.wait();
  }
};

constexpr int64_t kWinogradMinChannels = 32, kWinogradMinOutChannels = 24;
constexpr int64_t kWinogradMinPixelsPerRun = 16384;

} // namespace

bool winogradConv(const Graph& g, const Node& n) {
  const bool grad = n.op == OpKind::Conv2dGradInput || n.op == OpKind::Conv2dGradWeight;
  if (n.op == OpKind::Conv2d) {
    const auto& a = attrsOf<Conv2dAttrs>(n);
    // oneDNN 2.6's Winograd kernel takes a bias and a ReLU post-op, not a residual sum or a
    // depthwise stage (other activations run as a pass of their own over its output).
    if (a.perSample || a.residual || a.depthwise) return false;
  } else if (!grad) {
    return false;
  }
  Expected<kernels::ConvGeom> geom =
      grad ? kernels::convGradGeometry(g, n) : kernels::convGeometry(g, n);
  if (!geom) return false;
  const kernels::ConvGeom& c = *geom;
  if (!(c.KH == 3 && c.KW == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 && c.G == 1 &&
        c.Cg >= kWinogradMinChannels && c.O >= kWinogradMinOutChannels))
    return false;
  // Winograd transforms the weights: once per weight load when they are fixed (the kernel keeps
  // them), else on every run, at ~60 ns per weight element in oneDNN 2.6, which the faster
  // convolution repays only from ~16K output pixels (measured on the flagship's layers). (The
  // graph-wide fixedValues sweep only for a conv below that size.)
  return c.N * c.OH * c.OW >= kWinogradMinPixelsPerRun || (!grad && fixedValues(g)[n.inputs[1]]);
}

namespace {

Expected<std::unique_ptr<Kernel>> makeConv(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const std::vector<Layout> layout = activationLayouts(g);
  const Layout inLayout = layout[n.inputs[0]], outLayout = layout[n.outputs[0]];
  if (fewOutputConv(g, n) && inLayout != Layout::Plain)
    return makeFewOutputConv(g, n, ctx, inLayout, outLayout);
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Expected<kernels::ConvGeom> geom = kernels::convGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::ConvGeom& c = *geom;
  bool hasBias = c.hasBias;
  Dims x{c.N, c.C, c.H, c.W}, y{c.N, c.O, c.OH, c.OW}, biasShape{c.O};
  // The node's output: the conv's, or its fused depthwise stage's.
  const kernels::ConvGeom d = c.dwStride ? kernels::depthwiseStage(c) : c;
  Dims yOut{c.N, c.O, d.OH, d.OW};
  // Weights as oneDNN sees them: OIHW, or GOIHW (G, O/G, C/G, kh, kw) when grouped.
  Dims wd = c.G == 1 ? Dims{c.O, c.Cg, c.KH, c.KW} : Dims{c.G, c.O / c.G, c.Cg, c.KH, c.KW};
  auto k = std::make_unique<ConvKernel>();
  k->ctx = ctx;
  k->hasBias = hasBias;
  return finishKernel(n, k, [&] {
    memory::desc biasMd = hasBias ? plainDesc(biasShape) : memory::desc();
    const float alpha = static_cast<float>(a.epilogueAlpha);
    // The post-ops, with the epilogue activation among them or (fuseEpilogue false) without.
    auto attrFor = [&](bool fuseEpilogue) {
      dnnl::post_ops po;
      if (c.residual) po.append_sum(1.0f);
      if (fuseEpilogue) appendEpilogue(po, a.epilogue, alpha);
      if (c.dwStride) {
        po.append_dw(memory::data_type::f32, memory::data_type::f32, memory::data_type::f32, 3,
                     c.dwStride, 1, 0, {});
        appendEpilogue(po, c.dwEpilogue, 0.f);
      }
      dnnl::primitive_attr attr;
      if (c.dwStride) attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      attr.set_post_ops(po);
      return attr;
    };
    const dnnl::primitive_attr attr = attrFor(true);
    // Winograd's kernel takes ReLU as a post-op and no other activation: those run as a pass of
    // their own over its output (k->epilogue).
    const bool winogradPostOp = a.epilogue == Epilogue::None || a.epilogue == Epilogue::Relu;
    auto primitiveFor = [&](dnnl::algorithm alg, const memory::desc& src, const memory::desc& dst) {
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, anyDesc(wd),
                                        biasMd, dst, {c.sh, c.sw}, {c.dh - 1, c.dw - 1},
                                        {c.pt, c.pl}, {c.pb, c.pr});
      // The Winograd implementation oneDNN offers first, F(2x2, 3x3), is slower here than its
      // F(4x4, 3x3), which this picks when it is there; direct convs take oneDNN's first.
      if (alg != dnnl::algorithm::convolution_winograd)
        return dnnl::convolution_forward::primitive_desc(d, attr, ctx->eng);
      return pickImpl<dnnl::convolution_forward::primitive_desc>("wino_4x3", d,
                                                                 attrFor(winogradPostOp), ctx->eng);
    };
    const bool wino = winogradConv(g, n);
    dnnl::convolution_forward::primitive_desc pd;
    // A direct conv that reads or writes a blocked value first tries the layouts as they are:
    // oneDNN's jit kernels take nChw16c (and a plain image of a few channels in) without the
    // reorder that its preferred NHWC kernel would need. Kept unless only a slow fallback
    // (gemm or reference) takes them. Not for a fused depthwise stage: oneDNN 2.6's jit 1x1
    // kernel with the depthwise post-op gives wrong numbers on NHWC tensors (at 128x128 and up;
    // tests/passes/fuse_depthwise_test.cpp), so such a conv always lets oneDNN choose (nChw16c
    // for that kernel; its generic fused path runs the two convs in a row).
    bool asTheyAre = false;
    if (!wino && (inLayout == Layout::Blocked16 || outLayout == Layout::Blocked16)) {
      try {
        pd = primitiveFor(dnnl::algorithm::convolution_direct, activationDesc(x, inLayout),
                          activationDesc(y, outLayout));
        const std::string impl = pd.impl_info_str();
        // ("ref:" is oneDNN's reference kernel, alone or inside its generic fused path.)
        asTheyAre =
            impl.find("gemm") == std::string::npos && impl.find("ref:") == std::string::npos;
      } catch (const dnnl::error&) {
      }
    }
    // Winograd where it pays; direct where oneDNN has no Winograd kernel for this case.
    bool onWinograd = false;
    if (!asTheyAre) {
      try {
        pd = primitiveFor(wino ? dnnl::algorithm::convolution_winograd
                               : dnnl::algorithm::convolution_direct,
                          anyDesc(x), anyDesc(y));
        onWinograd = wino;
      } catch (const dnnl::error&) {
        pd = primitiveFor(dnnl::algorithm::convolution_direct, anyDesc(x), anyDesc(y));
      }
    }
    k->conv = dnnl::convolution_forward(pd);
    if (onWinograd && !winogradPostOp) {
      k->epilogue = *epiloguePrimitive(a.epilogue, alpha, pd.dst_desc(), ctx->eng);
      k->hasEpilogue = true;
    }

    auto setup = [&](const memory::desc& plain, const memory::desc& chosen, memory& user,
                     memory& inner, size_t& bytes, Reorder& re, bool& need, bool toInner,
                     bool activation) {
      user = userMemory(plain, *ctx);
      need = chosen != plain;
      if (!need) return;
      inner = userMemory(chosen, *ctx); // bound to the workspace in run() (or kept weights)
      bytes = chosen.get_size();
      if (activation) ++ctx->reordersPerRun;
      re = toInner ? Reorder(user, inner) : Reorder(inner, user);
    };
    setup(activationDesc(x, inLayout), pd.src_desc(), k->userSrc, k->src, k->srcBytes,
          k->srcReorder, k->reSrc, true, true);
    const bool fixedWei = fixedValues(g)[n.inputs[1]];
    setup(plainDesc(wd), pd.weights_desc(), k->userWei, k->wei, k->weiBytes, k->weiReorder,
          k->reWei, true, false);
    setup(activationDesc(yOut, outLayout), pd.dst_desc(), k->userDst, k->dst, k->dstBytes,
          k->dstReorder, k->reDst, false, true);
    if (hasBias) k->bias = userMemory(plainDesc(biasShape), *ctx);
    k->hasResidual = c.residual;
    if (c.residual) {
      // The layout analysis ties the residual's layout to the output's.
      k->userRes = userMemory(activationDesc(y, outLayout), *ctx);
      k->resCopy = Reorder(k->userRes, k->reDst ? k->dst : k->userDst);
    }
    k->keepWei = k->reWei && fixedWei;
    if (k->keepWei) {
      k->keptWei = ctx->keep(k->weiBytes);
      bind(k->wei, k->keptWei);
    }
    auto place = [&](bool used, size_t bytes) {
      size_t off = k->wsBytes;
      if (used) k->wsBytes += (bytes + 63) / 64 * 64;
      return off;
    };
    k->srcOff = place(k->reSrc, k->srcBytes);
    k->weiOff = place(k->reWei && !k->keepWei, k->weiBytes);
    k->dstOff = place(k->reDst, k->dstBytes);
    k->hasDepthwise = c.dwStride > 0;
    if (k->hasDepthwise) {
      const memory::desc dwMd =
          pd.query_md(dnnl::query::exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS);
      k->userDwWei = userMemory(plainDesc({c.O, 1, 1, 3, 3}), *ctx);
      k->dwWei = userMemory(dwMd, *ctx);
      k->dwBias = userMemory(plainDesc(biasShape), *ctx);
      k->dwReorder = dnnl::reorder(k->userDwWei, k->dwWei);
      k->dwOff = place(true, dwMd.get_size());
      k->hasScratch = pd.scratchpad_desc().get_size() > 0;
      if (k->hasScratch) k->scratch = userMemory(pd.scratchpad_desc(), *ctx);
      k->scratchOff = place(k->hasScratch, pd.scratchpad_desc().get_size());
    }
  });
}

} // namespace

void registerConv2d(Registry& r) {
  r.add(OpKind::Conv2d, makeConv, checkConv);
}

} // namespace llie::cpu
