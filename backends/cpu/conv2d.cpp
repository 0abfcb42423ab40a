// cpu Conv2d on oneDNN's convolution_forward (inference): src, weights and dst descriptors are
// format_tag::any so oneDNN picks its preferred (often blocked) layouts; the kernel reorders
// plain NCHW src into that layout, the plain OIHW / GOIHW weights into theirs, and the dst back
// to NCHW. Weights are re-reordered on every run into a buffer allocated at prepare time, so a
// weight tensor changed in place (training, dynamic weights) is always seen. Bias is optional;
// the epilogue activation is a post-op. oneDNN's dilation is PyTorch's minus one; padding is
// padding_l = {top, left}, padding_r = {bottom, right}.
#include "backends/cpu/cpu_kernels.h"

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
  // Primitive-layout memories and the reorders into / out of them (null when plain already).
  memory src, wei, dst;
  dnnl::reorder srcReorder, weiReorder, dstReorder;
  bool reSrc = false, reWei = false, reDst = false;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto& s = ctx->strm;
    bind(userSrc, in[0]->data);
    bind(userWei, in[1]->data);
    bind(userDst, out[0]->data);
    if (hasBias) bind(bias, in[2]->data);
    if (reSrc) srcReorder.execute(s, userSrc, src);
    if (reWei) weiReorder.execute(s, userWei, wei);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, reSrc ? src : userSrc},
                                         {DNNL_ARG_WEIGHTS, reWei ? wei : userWei},
                                         {DNNL_ARG_DST, reDst ? dst : userDst}};
    if (hasBias) args[DNNL_ARG_BIAS] = bias;
    conv.execute(s, args);
    if (reDst) dstReorder.execute(s, dst, userDst);
    s.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeConv(const Graph& g, const Node& n, const CtxPtr& ctx) {
  const auto& a = attrsOf<Conv2dAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), w = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  if (x.size() != 4 || w.size() != 4 || y.size() != 4)
    return kernels::badNode(n, "input, weight and output must be rank 4");
  if (a.stride.size() != 2 || a.pad.size() != 4 || a.dilation.size() != 2 || a.groups < 1)
    return kernels::badNode(n, "stride/pad/dilation/groups");
  int64_t G = a.groups, C = x[1], O = w[0];
  if (C % G || O % G || w[1] != C / G || y[0] != x[0] || y[1] != O)
    return kernels::badNode(n, "channel counts disagree with groups");
  int64_t eh = (x[2] + a.pad[0] + a.pad[1] - a.dilation[0] * (w[2] - 1) - 1) / a.stride[0] + 1;
  int64_t ew = (x[3] + a.pad[2] + a.pad[3] - a.dilation[1] * (w[3] - 1) - 1) / a.stride[1] + 1;
  if (eh != y[2] || ew != y[3]) return kernels::badNode(n, "output size disagrees with attributes");
  bool hasBias = n.inputs.size() == 3;
  if (hasBias && kernels::inShape(g, n, 2) != Dims{O}) return kernels::badNode(n, "bias shape");

  // Weights as oneDNN sees them: OIHW, or GOIHW (G, O/G, C/G, kh, kw) when grouped.
  Dims wd = G == 1 ? w : Dims{G, O / G, w[1], w[2], w[3]};
  auto k = std::make_unique<ConvKernel>();
  k->ctx = ctx;
  k->hasBias = hasBias;
  Status st = dnnlBuild(n, [&] {
    memory::desc biasMd = hasBias ? plainDesc({O}) : memory::desc();
    dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, anyDesc(x),
        anyDesc(wd), biasMd, anyDesc(y), {a.stride[0], a.stride[1]},
        {a.dilation[0] - 1, a.dilation[1] - 1}, {a.pad[0], a.pad[2]}, {a.pad[1], a.pad[3]});
    dnnl::post_ops po;
    appendEpilogue(po, a.epilogue, static_cast<float>(a.epilogueAlpha));
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    dnnl::convolution_forward::primitive_desc pd(d, attr, ctx->eng);
    k->conv = dnnl::convolution_forward(pd);

    auto setup = [&](const memory::desc& plain, const memory::desc& chosen, memory& user,
                     memory& inner, dnnl::reorder& re, bool& need, bool toInner) {
      user = userMemory(plain, *ctx);
      need = chosen != plain;
      if (!need) return;
      inner = memory(chosen, ctx->eng); // owned, allocated once
      re = toInner ? dnnl::reorder(user, inner) : dnnl::reorder(inner, user);
    };
    setup(plainDesc(x), pd.src_desc(), k->userSrc, k->src, k->srcReorder, k->reSrc, true);
    setup(plainDesc(wd), pd.weights_desc(), k->userWei, k->wei, k->weiReorder, k->reWei, true);
    setup(plainDesc(y), pd.dst_desc(), k->userDst, k->dst, k->dstReorder, k->reDst, false);
    if (hasBias) k->bias = userMemory(plainDesc({O}), *ctx);
  });
  if (!st.isOk()) return st;
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerConv2d(Registry& r) { r.add(OpKind::Conv2d, makeConv, checkConv); }

} // namespace llie::cpu
