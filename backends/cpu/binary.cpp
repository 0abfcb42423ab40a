// cpu binary elementwise ops (add, sub, mul, div, maximum, minimum) on oneDNN's binary
// primitive with NumPy broadcasting. oneDNN broadcasts only src1 (src0 must have dst's dims),
// so: src0 full-size -> direct; src0 broadcast but src1 full-size -> swap the operands for the
// commutative ops, and for sub compute -(b - a) with a linear(-1) post-op (exact in IEEE);
// anything else (div with src0 broadcast, or both operands broadcast) materialises src0 at the
// output's shape with an OpenMP gather first. Ranks are aligned NumPy-style, rank 0 as [1].
// add of two c64 tensors (complex gradients meeting) goes to the host loop of host_complex.h.
#include "backends/cpu/cpu_kernels.h"
#include "backends/host_complex.h"
#include "backends/host_loops.h"

namespace llie::cpu {
namespace {

using dnnl::algorithm;
using dnnl::memory;

algorithm algFor(OpKind k) {
  switch (k) {
  case OpKind::Add: return algorithm::binary_add;
  case OpKind::Sub: return algorithm::binary_sub;
  case OpKind::Mul: return algorithm::binary_mul;
  case OpKind::Div: return algorithm::binary_div;
  case OpKind::Maximum: return algorithm::binary_max;
  default: return algorithm::binary_min;
  }
}

class BinaryKernel : public Kernel {
public:
  CtxPtr ctx;
  dnnl::binary prim;
  memory src0, src1, dst;
  bool swap = false;        // run as op(b, a)
  bool materialise = false; // broadcast a to dst's shape first
  Dims gShape, gStrides;    // gather of a when materialising
  std::vector<float> scratch;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* a = in[0]->f32();
    const float* b = in[1]->f32();
    float* y = out[0]->f32();
    if (swap) std::swap(a, b);
    if (materialise) {
      // Gather into the output unless it aliases an operand.
      float* buf = y;
      if (y == in[0]->f32() || y == in[1]->f32()) {
        scratch.resize(out[0]->numel());
        buf = scratch.data();
      }
      host::stridedGather(a, buf, gShape, gStrides, 0);
      a = buf;
    }
    bind(src0, a);
    bind(src1, b);
    bind(dst, y);
    prim.execute(ctx->strm, {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
    ctx->strm.wait();
  }
};

Expected<std::unique_ptr<Kernel>> makeBinary(const Graph& g, const Node& n, const CtxPtr& ctx) {
  if (g.type(n.outputs[0]).dtype == DType::C64) return host::makeComplexAdd(g, n);
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  Dims expect;
  if (!kernels::broadcastShapes(a, b, expect) || expect != y)
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  if (numel(y) == 0) return kernels::noopKernel();
  auto k = std::make_unique<BinaryKernel>();
  k->ctx = ctx;
  size_t r = std::max<size_t>(y.size(), 1);
  Dims py = kernels::padLeft(y, r), pa = kernels::padLeft(a, r), pb = kernels::padLeft(b, r);
  bool commutative = n.op == OpKind::Add || n.op == OpKind::Mul || n.op == OpKind::Maximum ||
                     n.op == OpKind::Minimum;
  bool negate = false;
  if (pa != py && pb == py && (commutative || n.op == OpKind::Sub)) {
    k->swap = true;
    negate = n.op == OpKind::Sub;
    std::swap(pa, pb);
  } else if (pa != py) {
    k->materialise = true;
    kernels::broadcastStrides(pa, py, k->gStrides);
    k->gShape = py;
    host::simplifyGather(k->gShape, k->gStrides);
    pa = py;
  }
  return finishKernel(n, k, [&] {
    memory::desc m0 = plainDesc(pa), m1 = plainDesc(pb), md = plainDesc(py);
    dnnl::binary::desc d(algFor(n.op), m0, m1, md);
    dnnl::primitive_attr attr;
    if (negate) {
      dnnl::post_ops po;
      po.append_eltwise(1.f, algorithm::eltwise_linear, -1.f, 0.f);
      attr.set_post_ops(po);
    }
    dnnl::binary::primitive_desc pd(d, attr, ctx->eng);
    k->prim = dnnl::binary(pd);
    k->src0 = userMemory(m0, *ctx);
    k->src1 = userMemory(m1, *ctx);
    k->dst = userMemory(md, *ctx);
  });
}

} // namespace

void registerBinary(Registry& r) {
  for (OpKind k : kernels::kBinaryOps) r.add(k, makeBinary);
}

} // namespace llie::cpu
