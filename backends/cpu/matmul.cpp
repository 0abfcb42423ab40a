// cpu MatMul on oneDNN's matmul primitive: y = op(A)·op(B) (+ bias) with the epilogue as a
// post-op. Every operand is described at y's rank: the batch axes an operand broadcasts over are
// size-1 dims (oneDNN broadcasts them), trans_a / trans_b swap the strides of the last two axes
// of the plain buffer (no copy), and the bias, any shape that broadcasts to y, is a bias md with
// size-1 dims. The primitive is built once at prepare time over these plain descriptors.
#include "backends/cpu/cpu_kernels.h"
#include "backends/op_geometry.h"

#include <unordered_map>

namespace llie::cpu {
namespace {

using dnnl::memory;

class MatMulKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::matmul prim;
  bool hasBias = false;
  memory src, wei, bias, dst;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    bind(src, in[0]->data);
    bind(wei, in[1]->data);
    bind(dst, out[0]->data);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (hasBias) {
      bind(bias, in[2]->data);
      args[DNNL_ARG_BIAS] = bias;
    }
    prim.execute(ctx->strm, args);
    ctx->strm.wait();
  }
};

/// The operand `stored` (a contiguous buffer, padded to y's rank) as its logical matrix, the last
/// two axes swapped through the strides when `trans`.
memory::desc operandDesc(const Dims& stored, bool trans) {
  Dims dims = stored, strides = kernels::stridesOf(stored);
  size_t r = dims.size();
  if (trans) {
    std::swap(dims[r - 1], dims[r - 2]);
    std::swap(strides[r - 1], strides[r - 2]);
  }
  return memory::desc(toDnnl(dims), memory::data_type::f32, toDnnl(strides));
}

Expected<std::unique_ptr<Kernel>> makeMatMul(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Expected<kernels::MatMulGeom> geom = kernels::matmulGeometry(g, n);
  if (!geom) return geom.takeStatus();
  const kernels::MatMulGeom& m = *geom;
  Dims y = kernels::outShape(g, n);
  if (numel(y) == 0) return kernels::noopKernel();
  auto k = std::make_unique<MatMulKernel>();
  k->ctx = ctx;
  k->hasBias = m.hasBias;
  return finishKernel(n, k, [&] {
    memory::desc a = operandDesc(m.aShape, m.transA), b = operandDesc(m.bShape, m.transB);
    memory::desc bias = m.hasBias ? plainDesc(m.biasShape) : memory::desc();
    memory::desc d = plainDesc(y);
    dnnl::post_ops po;
    appendEpilogue(po, attrsOf<MatMulAttrs>(n).epilogue, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(po);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, bias, d), attr, ctx->eng);
    k->prim = dnnl::matmul(pd);
    k->src = userMemory(a, *ctx);
    k->wei = userMemory(b, *ctx);
    k->dst = userMemory(d, *ctx);
    if (m.hasBias) k->bias = userMemory(bias, *ctx);
  });
}

} // namespace

void registerMatMul(Registry& r) {
  r.add(OpKind::MatMul, makeMatMul);
}

} // namespace llie::cpu
