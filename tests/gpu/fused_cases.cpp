// cuda-vs-cpu cases for fused_elementwise: chains over broadcast operands (a per-channel
// tensor, a rank-0 scalar, a row vector), a result read twice (a statement of its own), every
// op's settings (clamp, leaky_relu, pow_scalar), the math ops (sign, sin, cos, acos, pow,
// atan2, prelu) inside programs, and sign / sin / cos / acos / pow / atan2 as standalone ops (one-
// step programs on the cuda backend).
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

GpuCase fused(std::string name, std::string expr, std::vector<Dims> ins, Dims y,
              std::vector<std::pair<float, float>> ranges = {}) {
  GpuCase c{std::move(name),
            OpKind::FusedElementwise,
            FusedElementwiseAttrs{std::move(expr)},
            std::move(ins),
            {std::move(y)}};
  c.ranges = std::move(ranges);
  return c;
}

std::vector<GpuCase> fusedCases() {
  Dims y{2, 3, 10, 20};
  return {
      fused("chain_channel_scalar", "add(%0, mul(%1, sub(mul(%0, %0), %0))); relu6(mul($0, %2))",
            {y, {1, 3, 1, 1}, {}}, y, {{0.f, 1.f}, {-1.f, 1.f}, {8.f, 8.f}}),
      fused("statement_read_twice", "sigmoid(%0); sub(add(mul($0, %1), %2), mul(%0, $0))",
            {y, {1, 3, 1, 1}, {20}}, y),
      fused("clamp_settings", "clamp(add(%0, %1), lo=-0.25, hi=0.5)", {y, {20}}, y),
      fused("leaky_pow_scalar", "pow_scalar(leaky_relu(%0, alpha=0.2), exponent=2)", {y}, y),
      fused("gelu_silu_tanh", "add(gelu(%0), mul(silu(%1), tanh(%0)))", {y, y}, y),
      fused("exp_log_sqrt_abs", "add(exp(neg(%0)), log(add(sqrt(abs(%0)), %1)))", {y, {}}, y,
            {{-2.f, 2.f}, {0.5f, 1.f}}),
      fused("sign_sin_cos", "mul(sign(%0), add(sin(%0), cos(%1)))", {y, y}, y),
      fused("acos_square", "acos(clamp(square(%0), lo=-1, hi=1))", {y}, y, {{-0.9f, 0.9f}}),
      fused("pow_atan2", "add(pow(%0, %1), atan2(%1, %0))", {y, {1, 3, 1, 1}}, y,
            {{0.2f, 2.f}, {-1.5f, 1.5f}}),
      fused("prelu_max_min", "minimum(maximum(prelu(%0, %1), %2), relu(%0))", {y, {1, 3, 1, 1}, {}},
            y),
      fused("div_lower_rank", "div(%0, add(%1, %2))", {y, {10, 20}, {}}, y,
            {{-2.f, 2.f}, {0.5f, 1.f}, {0.5f, 1.f}}),
  };
}

std::vector<GpuCase> mathCases() {
  Dims y{2, 3, 7, 13};
  auto one = [&](std::string name, OpKind op, std::vector<Dims> ins, float lo, float hi) {
    GpuCase c{std::move(name), op, NoAttrs{}, std::move(ins), {y}};
    c.lo = lo, c.hi = hi;
    return c;
  };
  return {one("sign", OpKind::Sign, {y}, -2.f, 2.f),
          one("sin", OpKind::Sin, {y}, -4.f, 4.f),
          one("cos", OpKind::Cos, {y}, -4.f, 4.f),
          one("acos", OpKind::Acos, {y}, -0.99f, 0.99f),
          one("pow_broadcast", OpKind::Pow, {y, {1, 3, 1, 1}}, 0.2f, 2.f),
          one("atan2_broadcast", OpKind::Atan2, {y, {13}}, -2.f, 2.f)};
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaMath, CudaMatchesCpu, ::testing::ValuesIn(mathCases()), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaFused, CudaMatchesCpu, ::testing::ValuesIn(fusedCases()), gpuCaseName);

} // namespace llie::bt
