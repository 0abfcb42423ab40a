// Reference binary elementwise ops with NumPy broadcasting: add, sub, mul, div, maximum,
// minimum. Both operands are read through broadcast strides (0 along size-1 axes, leading axes
// added for lower ranks, rank-0 scalars included); the arithmetic is done in double.
#include "backends/host_complex.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

double apply(OpKind op, double a, double b) {
  switch (op) {
  case OpKind::Add: return a + b;
  case OpKind::Sub: return a - b;
  case OpKind::Mul: return a * b;
  case OpKind::Div: return a / b;
  case OpKind::Maximum: return a > b ? a : b;
  default: return a < b ? a : b; // Minimum
  }
}

Expected<std::unique_ptr<Kernel>> makeBinary(const Graph& g, const Node& n) {
  if (g.type(n.outputs[0]).dtype == DType::C64) return host::makeComplexAdd(g, n);
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  Dims expect;
  if (!kernels::broadcastShapes(a, b, expect) || expect != y)
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  Dims sa, sb;
  kernels::broadcastStrides(kernels::padLeft(a, y.size()), y, sa);
  kernels::broadcastStrides(kernels::padLeft(b, y.size()), y, sb);
  OpKind op = n.op;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* B = in[1]->f32();
    float* Y = out[0]->f32();
    int64_t count = numel(y);
    Dims idx(y.size(), 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t oa = 0, ob = 0;
      for (size_t d = 0; d < y.size(); ++d) oa += idx[d] * sa[d], ob += idx[d] * sb[d];
      Y[i] = static_cast<float>(apply(op, A[oa], B[ob]));
      for (int64_t d = static_cast<int64_t>(y.size()) - 1; d >= 0; --d) {
        if (++idx[d] < y[d]) break;
        idx[d] = 0;
      }
    }
  });
}

} // namespace

void registerBinary(Registry& r) {
  for (OpKind k : kernels::kBinaryOps) r.add(k, makeBinary);
}

} // namespace llie::ref
