// cpu Conv2d on oneDNN's convolution_forward (inference): src, weights and dst descriptors are
// format_tag::any so oneDNN picks its preferred (often blocked) layouts; the kernel reorders
// plain NCHW src into that layout, the plain OIHW / GOIHW weights into theirs, and the dst back
// to NCHW; activations the cpu backend keeps channels-last (layout.h) are read and written as
// NHWC, which is what oneDNN's brgconv wants, with no reorder at all. The src and dst copies live
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
// Algorithm: Winograd F(2x2, 3x3) where oneDNN has it and it pays on this class of CPU (3x3,
// stride 1, no dilation, no groups, at least kWinogradMinChannels input and output channels, no
// epilogue or ReLU):
// it does 2.25x fewer multiplications than direct convolution, with float32 errors of ~1e-6
// relative on the flagship's layers (tests/backends/cpu_conv_cases_test.cpp checks it against
// the reference backend). Inference graphs only: a training step keeps direct convolution, whose
// rounding is closer to float64 (the flagship's step-0 gradient has ReLU6 inputs within 4e-7 of
// their kink, which Winograd's rounding flips; tests/parity/README.md). Everything else is
// oneDNN's direct convolution.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
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
  dnnl::reorder resCopy;
  // Primitive-layout memories and the reorders into / out of them (null when plain already).
  memory src, wei, dst;
  size_t srcBytes = 0, weiBytes = 0, dstBytes = 0;
  dnnl::reorder srcReorder, weiReorder, dstReorder;
  bool reSrc = false, reWei = false, reDst = false;
  // Fixed weights: their blocked copy, kept by the kernel, and whether it is up to date.
  bool keepWei = false, weiFresh = false;
  void* keptWei = nullptr;

  ~ConvKernel() override {
    if (keptWei) ctx->unkeep(keptWei, weiBytes);
  }

  void weightsChanged() override { weiFresh = false; }
  // The workspace (planned into the executor's arena): [src copy | weights copy | dst copy].
  uint8_t* ws = nullptr;
  size_t srcOff = 0, weiOff = 0, dstOff = 0, wsBytes = 0;
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
    conv.execute(s, args);
    if (reDst) dstReorder.execute(s, dst, userDst);
    s.wait();
  }
};

constexpr int64_t kWinogradMinChannels = 64;

/// oneDNN 2.6's Winograd kernel takes a bias and a ReLU post-op, not ReLU6 (clip), a residual
/// sum or others.
dnnl::algorithm algorithmFor(const kernels::ConvGeom& c, Epilogue epilogue) {
  const bool wino = c.KH == 3 && c.KW == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 &&
                    c.G == 1 && c.Cg >= kWinogradMinChannels && c.O >= kWinogradMinChannels &&
                    !c.residual && (epilogue == Epilogue::None || epilogue == Epilogue::Relu);
  return wino ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
}

Expected<std::unique_ptr<Kernel>> makeConv(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Expected<kernels::ConvGeom> geom = kernels::convGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::ConvGeom& c = *geom;
  bool hasBias = c.hasBias;
  Dims x{c.N, c.C, c.H, c.W}, y{c.N, c.O, c.OH, c.OW}, biasShape{c.O};
  // Weights as oneDNN sees them: OIHW, or GOIHW (G, O/G, C/G, kh, kw) when grouped.
  Dims wd = c.G == 1 ? Dims{c.O, c.Cg, c.KH, c.KW} : Dims{c.G, c.O / c.G, c.Cg, c.KH, c.KW};
  auto k = std::make_unique<ConvKernel>();
  k->ctx = ctx;
  k->hasBias = hasBias;
  return finishKernel(n, k, [&] {
    memory::desc biasMd = hasBias ? plainDesc(biasShape) : memory::desc();
    dnnl::post_ops po;
    if (c.residual) po.append_sum(1.0f);
    appendEpilogue(po, a.epilogue, static_cast<float>(a.epilogueAlpha));
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    auto primitiveFor = [&](dnnl::algorithm alg) {
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, alg, anyDesc(x),
                                        anyDesc(wd), biasMd, anyDesc(y), {c.sh, c.sw},
                                        {c.dh - 1, c.dw - 1}, {c.pt, c.pl}, {c.pb, c.pr});
      return dnnl::convolution_forward::primitive_desc(d, attr, ctx->eng);
    };
    // Winograd where it pays; direct where oneDNN has no Winograd kernel for this case.
    dnnl::convolution_forward::primitive_desc pd;
    try {
      pd = primitiveFor(g.kind == GraphKind::Inference ? algorithmFor(c, a.epilogue)
                                                       : dnnl::algorithm::convolution_direct);
    } catch (const dnnl::error&) {
      pd = primitiveFor(dnnl::algorithm::convolution_direct);
    }
    k->conv = dnnl::convolution_forward(pd);

    auto setup = [&](const memory::desc& plain, const memory::desc& chosen, memory& user,
                     memory& inner, size_t& bytes, dnnl::reorder& re, bool& need, bool toInner,
                     bool activation) {
      user = userMemory(plain, *ctx);
      need = chosen != plain;
      if (!need) return;
      inner = userMemory(chosen, *ctx); // bound to the workspace in run() (or kept weights)
      bytes = chosen.get_size();
      if (activation) ++ctx->reordersPerRun;
      re = toInner ? dnnl::reorder(user, inner) : dnnl::reorder(inner, user);
    };
    const std::vector<bool> cl = channelsLastValues(g);
    setup(activationDesc(x, cl[n.inputs[0]]), pd.src_desc(), k->userSrc, k->src, k->srcBytes,
          k->srcReorder, k->reSrc, true, true);
    const bool fixedWei = fixedValues(g)[n.inputs[1]];
    setup(plainDesc(wd), pd.weights_desc(), k->userWei, k->wei, k->weiBytes, k->weiReorder,
          k->reWei, true, false);
    setup(activationDesc(y, cl[n.outputs[0]]), pd.dst_desc(), k->userDst, k->dst, k->dstBytes,
          k->dstReorder, k->reDst, false, true);
    if (hasBias) k->bias = userMemory(plainDesc(biasShape), *ctx);
    k->hasResidual = c.residual;
    if (c.residual) {
      // The layout analysis ties the residual's layout to the output's.
      k->userRes = userMemory(activationDesc(y, cl[n.outputs[0]]), *ctx);
      k->resCopy = dnnl::reorder(k->userRes, k->reDst ? k->dst : k->userDst);
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
  });
}

} // namespace

void registerConv2d(Registry& r) {
  r.add(OpKind::Conv2d, makeConv, checkConv);
}

} // namespace llie::cpu
