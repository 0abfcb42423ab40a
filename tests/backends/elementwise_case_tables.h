// The elementwise cases of the cpu-vs-reference table (cpu_elementwise_cases_test.cpp), which
// the cuda-vs-cpu harness runs too (tests/gpu/elementwise_cases.cpp): every unary op (positive
// inputs where the function needs them, rank 0, odd and image-like shapes) and every binary op
// under each broadcasting pattern: equal shapes, N×1×H×W, 1×C×1×1, the broadcast on src0 (which
// oneDNN can't do directly), both sides broadcast, rank-0 scalars on either side, and ranks
// differing.
#pragma once
#include "tests/backends/backend_test_util.h"

namespace llie::bt::tables {

inline Case unary(std::string name, OpKind op, Attrs a, Dims shape, float lo = -3.f,
                  float hi = 3.f) {
  Case c{std::move(name), op, std::move(a), {shape}, shape};
  c.lo = lo, c.hi = hi;
  return c;
}

inline std::vector<Case> unaryCases() {
  Dims s{2, 3, 7, 13};
  return {
      unary("neg", OpKind::Neg, NoAttrs{}, s),
      unary("relu", OpKind::Relu, NoAttrs{}, s),
      unary("relu_rank0", OpKind::Relu, NoAttrs{}, {}),
      unary("relu_one", OpKind::Relu, NoAttrs{}, {1, 1, 1, 1}),
      unary("relu_image", OpKind::Relu, NoAttrs{}, {1, 3, 60, 39}),
      unary("relu6", OpKind::Relu6, NoAttrs{}, s, -9.f, 9.f),
      unary("leaky_relu", OpKind::LeakyRelu, LeakyReluAttrs{0.1}, s),
      unary("leaky_relu_02", OpKind::LeakyRelu, LeakyReluAttrs{0.2}, {5, 17}),
      unary("sigmoid", OpKind::Sigmoid, NoAttrs{}, s, -8.f, 8.f),
      unary("tanh", OpKind::Tanh, NoAttrs{}, s),
      unary("silu", OpKind::Silu, NoAttrs{}, s, -6.f, 6.f),
      unary("gelu", OpKind::Gelu, NoAttrs{}, s),
      unary("exp", OpKind::Exp, NoAttrs{}, s),
      unary("log", OpKind::Log, NoAttrs{}, s, 0.05f, 5.f),
      unary("sqrt", OpKind::Sqrt, NoAttrs{}, s, 0.f, 5.f),
      unary("abs", OpKind::Abs, NoAttrs{}, s),
      unary("square", OpKind::Square, NoAttrs{}, s),
      unary("pow_2", OpKind::PowScalar, PowScalarAttrs{2.0}, s),
      unary("pow_3_negative_base", OpKind::PowScalar, PowScalarAttrs{3.0}, s),
      unary("pow_half", OpKind::PowScalar, PowScalarAttrs{0.5}, s, 0.f, 4.f),
      unary("pow_gamma_2_2", OpKind::PowScalar, PowScalarAttrs{2.2}, s, 0.f, 1.f),
      unary("pow_minus_1_5", OpKind::PowScalar, PowScalarAttrs{-1.5}, s, 0.2f, 3.f),
      unary("clamp", OpKind::Clamp, ClampAttrs{-0.5, 0.7}, s),
      unary("clamp_01", OpKind::Clamp, ClampAttrs{0.0, 1.0}, {1, 3, 8, 9}),
      unary("clamp_inverted_bounds", OpKind::Clamp, ClampAttrs{0.8, 0.2}, {4, 9}),
  };
}

/// Operand shapes a and b, broadcast to out.
struct Pattern {
  const char* name;
  Dims a, b, out;
};

/// The broadcasting patterns the binary cases run under.
inline std::vector<Pattern> binaryPatterns() {
  return {
      {"same", {2, 3, 7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"b_N1HW", {2, 3, 7, 13}, {2, 1, 7, 13}, {2, 3, 7, 13}},
      {"b_1C11", {2, 3, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
      {"a_1C11", {1, 3, 1, 1}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"a_N1HW", {2, 1, 7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"both_N1HW_1C11", {2, 1, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
      {"b_scalar", {2, 3, 7, 13}, {}, {2, 3, 7, 13}},
      {"a_scalar", {}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"both_scalar", {}, {}, {}},
      {"a_lower_rank", {7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"b_vector", {2, 3, 7, 13}, {13}, {2, 3, 7, 13}},
      {"cross_rank3", {3, 1, 13}, {7, 1}, {3, 7, 13}},
      {"one_by_one", {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}},
      {"image_gain", {1, 3, 60, 39}, {1, 1, 60, 39}, {1, 3, 60, 39}},
  };
}

/// Every binary op under every pattern (div's divisor kept away from 0).
inline std::vector<Case> binaryCases() {
  std::vector<std::pair<const char*, OpKind>> ops = {
      {"add", OpKind::Add}, {"sub", OpKind::Sub},         {"mul", OpKind::Mul},
      {"div", OpKind::Div}, {"maximum", OpKind::Maximum}, {"minimum", OpKind::Minimum}};
  std::vector<Case> r;
  for (auto& [opName, op] : ops)
    for (auto& p : binaryPatterns()) {
      Case c{std::string(opName) + "_" + p.name, op, NoAttrs{}, {p.a, p.b}, p.out};
      if (op == OpKind::Div) c.ranges = {{-2.f, 2.f}, {0.5f, 2.f}};
      r.push_back(std::move(c));
    }
  return r;
}

} // namespace llie::bt::tables
