// unary_grad(x, dy) = dy·f'(x), the gradient of the unary elementwise ops, with PyTorch's
// backward conventions at the kinks: relu'(0) = 0; relu6 (hardtanh(0, 6)) passes the gradient
// only where 0 < x < 6; clamp passes it where lo <= x <= hi (both ends inclusive); leaky_relu's
// slope is 1 where x > 0, else alpha; abs' = sign(x) (0 at 0); pow_scalar with exponent 0 gives 0
// (also neg, −1, for an autodiff pass that asks).
// The op is resolved once at prepare time (an unknown name is a malformed node). The masks
// (relu, relu6, clamp, pow_scalar with exponent 0) select dy or 0 as PyTorch does; elsewhere
// f'(x) and the product are evaluated in double per element and rounded once. In-place safe.
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

#include <bit>
#include <cmath>
#include <cstdint>

namespace llie::train {
namespace {

double sgn(double x) {
  return static_cast<double>((0 < x) - (x < 0));
}

/// The kernel computing dx[i] = dy[i]·d(x[i]).
template <class D> std::unique_ptr<Kernel> gradKernel(D d) {
  return kernels::makeFnKernel([d](const auto& in, const auto& out) {
    const float* x = in[0]->f32();
    const float* dy = in[1]->f32();
    float* dx = out[0]->f32();
    parallelFor(out[0]->numel(), [&](int64_t i) {
      dx[i] = static_cast<float>(static_cast<double>(dy[i]) * d(static_cast<double>(x[i])));
    });
  });
}

/// The kernel passing dy where pass(x[i]) holds and writing 0 elsewhere (PyTorch's
/// threshold/hardtanh/clamp backward select rather than multiply, so a non-finite dy is
/// dropped where the mask is off). The select is a bit mask (dy's bits, or +0), with no branch
/// on the data: channels-last activations alternate sides of a kink from one element to the
/// next, which made a branch mispredict about every other element (4x slower).
template <class P> std::unique_ptr<Kernel> maskKernel(P pass) {
  return kernels::makeFnKernel([pass](const auto& in, const auto& out) {
    const float* x = in[0]->f32();
    const float* dy = in[1]->f32();
    float* dx = out[0]->f32();
    parallelFor(out[0]->numel(), [&](int64_t i) {
      const uint32_t keep = 0u - static_cast<uint32_t>(pass(x[i]));
      dx[i] = std::bit_cast<float>(std::bit_cast<uint32_t>(dy[i]) & keep);
    });
  });
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeUnaryGrad(const Graph& g, const Node& n) {
  const auto& a = attrsOf<UnaryGradAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), dy = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  if (x != y || numel(dy) != numel(x))
    return kernels::badNode(n, "dy and the result must have the shape of x");
  const double alpha = a.alpha, beta = a.beta;
  const std::string& op = a.op;
  if (op == "neg") return gradKernel([](double) { return -1.0; });
  if (op == "relu") return maskKernel([](float x) { return x > 0; });
  if (op == "relu6") return maskKernel([](float x) { return (x > 0) & (x < 6); });
  if (op == "leaky_relu") return gradKernel([alpha](double x) { return x > 0 ? 1.0 : alpha; });
  if (op == "sigmoid")
    return gradKernel([](double x) {
      double s = 1.0 / (1.0 + std::exp(-x));
      return s * (1.0 - s);
    });
  if (op == "tanh")
    return gradKernel([](double x) {
      double t = std::tanh(x);
      return 1.0 - t * t;
    });
  if (op == "silu")
    return gradKernel([](double x) {
      double s = 1.0 / (1.0 + std::exp(-x));
      return s * (1.0 + x * (1.0 - s));
    });
  if (op == "gelu")
    return gradKernel([](double x) {
      constexpr double kInvSqrt2 = 0.70710678118654752440;
      constexpr double kInvSqrt2Pi = 0.39894228040143267794;
      double cdf = 0.5 * (1.0 + std::erf(x * kInvSqrt2));
      return cdf + x * kInvSqrt2Pi * std::exp(-0.5 * x * x);
    });
  if (op == "exp") return gradKernel([](double x) { return std::exp(x); });
  if (op == "log") return gradKernel([](double x) { return 1.0 / x; });
  if (op == "sqrt") return gradKernel([](double x) { return 0.5 / std::sqrt(x); });
  if (op == "abs") return gradKernel([](double x) { return sgn(x); });
  if (op == "square") return gradKernel([](double x) { return 2.0 * x; });
  if (op == "pow_scalar") {
    if (alpha == 0.0) return maskKernel([](float) { return false; });
    return gradKernel([alpha](double x) { return alpha * std::pow(x, alpha - 1.0); });
  }
  if (op == "clamp") { // bounds compared as f32, as PyTorch does for a float tensor
    const float lo = static_cast<float>(alpha), hi = static_cast<float>(beta);
    return maskKernel([lo, hi](float x) { return (x >= lo) & (x <= hi); });
  }
  if (op == "sin") return gradKernel([](double x) { return std::cos(x); });
  if (op == "cos") return gradKernel([](double x) { return -std::sin(x); });
  if (op == "acos") return gradKernel([](double x) { return -1.0 / std::sqrt(1.0 - x * x); });
  return kernels::badNode(n, "no gradient for unary op '" + op + "'");
}

} // namespace llie::train
