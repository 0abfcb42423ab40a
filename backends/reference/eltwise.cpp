// Reference unary elementwise ops (PyTorch definitions, evaluated in double): neg, relu, relu6,
// leaky_relu, sigmoid, tanh, silu, gelu (erf form), exp, log, sqrt, abs, square, pow_scalar,
// clamp. In-place safe: element i is read before it is written.
#include "backends/reference/ref_kernels.h"

#include <algorithm>

namespace llie::ref {
namespace {

struct Unary {
  OpKind op;
  double p0 = 0, p1 = 0; // alpha / exponent / lo, hi

  double operator()(double x) const {
    switch (op) {
    case OpKind::Neg: return -x;
    case OpKind::Relu: return x > 0 ? x : 0.0;
    case OpKind::Relu6: return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
    case OpKind::LeakyRelu: return x >= 0 ? x : p0 * x;
    case OpKind::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case OpKind::Tanh: return std::tanh(x);
    case OpKind::Silu: return x / (1.0 + std::exp(-x));
    case OpKind::Gelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case OpKind::Exp: return std::exp(x);
    case OpKind::Log: return std::log(x);
    case OpKind::Sqrt: return std::sqrt(x);
    case OpKind::Abs: return std::fabs(x);
    case OpKind::Square: return x * x;
    case OpKind::PowScalar: return std::pow(x, p0);
    case OpKind::Clamp: return std::min(std::max(x, p0), p1); // PyTorch: hi wins if lo > hi
    default: return x; // not registered
    }
  }
};

Expected<std::unique_ptr<Kernel>> makeUnary(const Graph& g, const Node& n) {
  if (kernels::inShape(g, n, 0) != kernels::outShape(g, n))
    return kernels::badNode(n, "output shape differs from input shape");
  Unary u{n.op};
  if (n.op == OpKind::LeakyRelu) u.p0 = attrsOf<LeakyReluAttrs>(n).alpha;
  if (n.op == OpKind::PowScalar) u.p0 = attrsOf<PowScalarAttrs>(n).exponent;
  if (n.op == OpKind::Clamp) {
    u.p0 = attrsOf<ClampAttrs>(n).lo;
    u.p1 = attrsOf<ClampAttrs>(n).hi;
  }
  return kernels::makeFnKernel([u](const auto& in, const auto& out) {
    const float* x = in[0]->f32();
    float* y = out[0]->f32();
    int64_t count = out[0]->numel();
    for (int64_t i = 0; i < count; ++i) y[i] = static_cast<float>(u(x[i]));
  });
}

} // namespace

void registerEltwise(Registry& r) {
  for (OpKind k : kernels::kUnaryOps) r.add(k, makeUnary);
}

} // namespace llie::ref
