// cpu unary elementwise ops, all on oneDNN's eltwise_forward over the tensor viewed as 1-D
// (eltwise is layout-agnostic): relu, relu6 = clip(0, 6), leaky_relu = relu(alpha),
// sigmoid = logistic, tanh, silu = swish(1), gelu = gelu_erf, exp, log, sqrt, abs, square,
// pow_scalar = pow(1, p), clamp = clip(lo, hi), neg = linear(-1, 0). In place is allowed.
#include "backends/cpu/cpu_kernels.h"

#include <algorithm>

namespace llie::cpu {
namespace {

using dnnl::algorithm;

struct EltSpec {
  algorithm alg;
  float alpha = 0.f, beta = 0.f;
};

EltSpec specFor(const Node& n) {
  switch (n.op) {
  case OpKind::Neg: return {algorithm::eltwise_linear, -1.f, 0.f};
  case OpKind::Relu: return {algorithm::eltwise_relu};
  case OpKind::Relu6: return {algorithm::eltwise_clip, 0.f, 6.f};
  case OpKind::LeakyRelu:
    return {algorithm::eltwise_relu, static_cast<float>(attrsOf<LeakyReluAttrs>(n).alpha)};
  case OpKind::Sigmoid: return {algorithm::eltwise_logistic};
  case OpKind::Tanh: return {algorithm::eltwise_tanh};
  case OpKind::Silu: return {algorithm::eltwise_swish, 1.f};
  case OpKind::Gelu: return {algorithm::eltwise_gelu_erf};
  case OpKind::Exp: return {algorithm::eltwise_exp};
  case OpKind::Log: return {algorithm::eltwise_log};
  case OpKind::Sqrt: return {algorithm::eltwise_sqrt};
  case OpKind::Abs: return {algorithm::eltwise_abs};
  case OpKind::Square: return {algorithm::eltwise_square};
  case OpKind::PowScalar:
    return {algorithm::eltwise_pow, 1.f, static_cast<float>(attrsOf<PowScalarAttrs>(n).exponent)};
  default: { // Clamp
    // oneDNN rejects lo > hi; PyTorch then gives hi everywhere, which is clip(hi, hi).
    const auto& c = attrsOf<ClampAttrs>(n);
    float hi = static_cast<float>(c.hi), lo = std::min(static_cast<float>(c.lo), hi);
    return {algorithm::eltwise_clip, lo, hi};
  }
  }
}

Expected<std::unique_ptr<Kernel>> makeEltwise(const Graph& g, const Node& n, const CtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  int64_t count = numel(x);
  if (count == 0) return kernels::noopKernel();
  EltSpec s = specFor(n);
  return srcDstKernel<dnnl::eltwise_forward>(n, ctx, [&] {
    return dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, s.alg,
                                       plainDesc({count}), s.alpha, s.beta);
  });
}

} // namespace

void registerEltwise(Registry& r) {
  for (OpKind k : kernels::kUnaryOps) r.add(k, makeEltwise);
}

} // namespace llie::cpu
