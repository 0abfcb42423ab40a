// cpu ConvTranspose2d on oneDNN's deconvolution_forward (inference). PyTorch's weight
// [C, O/G, kh, kw] is described in place as oneDNN's OIHW (GOIHW when grouped: G, O/G, C/G, kh,
// kw) through strides, then reordered like src into the layouts the primitive picks
// (format_tag::any), the dst reordered back to NCHW; the blocked copies live in the backend's
// shared scratch (slots 0-2), as in conv2d.cpp. Weights are re-reordered on every run. oneDNN's
// dilation is PyTorch's minus one; padding_l = {top, left} and padding_r = {bottom, right} minus
// output_padding (the extra bottom/right rows and columns), which may make padding_r negative.
#include "backends/cpu/cpu_kernels.h"
#include "backends/op_geometry.h"

#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

/// One tensor of the primitive: the user's plain memory and, when oneDNN chose another layout,
/// the memory in that layout (bound to scratch slot `slot` in run()) with its reorder.
struct Port {
  memory user, inner;
  dnnl::reorder re;
  size_t bytes = 0;
  bool need = false;

  void setup(const memory::desc& plain, const memory::desc& chosen, CpuContext& ctx, bool toInner,
             size_t slot) {
    user = userMemory(plain, ctx);
    need = chosen != plain;
    if (!need) return;
    inner = userMemory(chosen, ctx);
    bytes = chosen.get_size();
    ctx.reserveScratch(slot, bytes);
    re = toInner ? dnnl::reorder(user, inner) : dnnl::reorder(inner, user);
  }
  /// The memory the primitive reads or writes, bound for this run.
  memory& prepare(const void* data, CpuContext& ctx, size_t slot) {
    bind(user, data);
    if (!need) return user;
    bind(inner, ctx.scratch(slot, bytes));
    return inner;
  }
};

class ConvTransposeKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::deconvolution_forward prim;
  bool hasBias = false;
  Port src, wei, dst;
  memory bias;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto& s = ctx->strm;
    memory& x = src.prepare(in[0]->data, *ctx, 0);
    memory& w = wei.prepare(in[1]->data, *ctx, 1);
    memory& y = dst.prepare(out[0]->data, *ctx, 2);
    if (src.need) src.re.execute(s, src.user, x);
    if (wei.need) wei.re.execute(s, wei.user, w);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}};
    if (hasBias) {
      bind(bias, in[2]->data);
      args[DNNL_ARG_BIAS] = bias;
    }
    prim.execute(s, args);
    if (dst.need) dst.re.execute(s, y, dst.user);
    s.wait();
  }
};

/// PyTorch's [C, O/G, kh, kw] weight buffer as oneDNN's (G)OIHW logical dims.
memory::desc weightDesc(const kernels::ConvTGeom& c) {
  int64_t Cg = c.C / c.G, k = c.KH * c.KW;
  Dims dims, strides;
  if (c.G == 1) {
    dims = {c.Og, c.C, c.KH, c.KW};
    strides = {k, c.Og * k, c.KW, 1};
  } else {
    dims = {c.G, c.Og, Cg, c.KH, c.KW};
    strides = {Cg * c.Og * k, k, c.Og * k, c.KW, 1};
  }
  return memory::desc(toDnnl(dims), memory::data_type::f32, toDnnl(strides));
}

Expected<std::unique_ptr<Kernel>> makeConvTranspose(const Graph& g, const Node& n,
                                                    const CtxPtr& ctx) {
  Expected<kernels::ConvTGeom> geom = kernels::convTransposeGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::ConvTGeom& c = *geom;
  Dims x{c.N, c.C, c.H, c.W}, y{c.N, c.O, c.OH, c.OW};
  if (numel(x) == 0 || numel(y) == 0) return kernels::unsupported(n, "cpu", "empty tensor");
  memory::desc wPlain = weightDesc(c);
  auto k = std::make_unique<ConvTransposeKernel>();
  k->ctx = ctx;
  k->hasBias = c.hasBias;
  return finishKernel(n, k, [&] {
    memory::desc biasMd = c.hasBias ? plainDesc({c.O}) : memory::desc();
    dnnl::deconvolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, anyDesc(x),
        anyDesc(wPlain.dims()), biasMd, anyDesc(y), {c.sh, c.sw}, {c.dh - 1, c.dw - 1},
        {c.pt, c.pl}, {c.pb - c.oph, c.pr - c.opw});
    dnnl::deconvolution_forward::primitive_desc pd(d, ctx->eng);
    k->prim = dnnl::deconvolution_forward(pd);
    k->src.setup(plainDesc(x), pd.src_desc(), *ctx, true, 0);
    k->wei.setup(wPlain, pd.weights_desc(), *ctx, true, 1);
    k->dst.setup(plainDesc(y), pd.dst_desc(), *ctx, false, 2);
    if (c.hasBias) k->bias = userMemory(biasMd, *ctx);
  });
}

} // namespace

void registerConvTranspose2d(Registry& r) {
  r.add(OpKind::ConvTranspose2d, makeConvTranspose);
}

} // namespace llie::cpu
