// cuda-vs-cpu cases for the elementwise families: every unary op with its attributes (inputs in
// the function's domain, rank 0, odd and image-like shapes) and every binary op under each
// broadcasting pattern (equal shapes, N×1×H×W, 1×C×1×1, broadcast on either or both sides,
// rank-0 scalars, ranks differing); the comparisons (a Bool result, exact; random values and
// all-equal ones) and where (a Bool condition) under broadcasting; prelu with each form of
// slope (one element, [C] along axis 1, NumPy-style shapes), exactly.
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

GpuCase unary(std::string name, OpKind op, Attrs a, Dims shape, float lo = -3.f, float hi = 3.f) {
  GpuCase c{std::move(name), op, std::move(a), {shape}, {shape}};
  c.lo = lo, c.hi = hi;
  return c;
}

std::vector<GpuCase> unaryCases() {
  Dims s{2, 3, 7, 13};
  return {
      unary("neg", OpKind::Neg, NoAttrs{}, s),
      unary("relu", OpKind::Relu, NoAttrs{}, s),
      unary("relu_rank0", OpKind::Relu, NoAttrs{}, {}),
      unary("relu_image", OpKind::Relu, NoAttrs{}, {1, 3, 60, 39}),
      unary("relu6", OpKind::Relu6, NoAttrs{}, s, -9.f, 9.f),
      unary("leaky_relu", OpKind::LeakyRelu, LeakyReluAttrs{0.1}, s),
      unary("sigmoid", OpKind::Sigmoid, NoAttrs{}, s, -8.f, 8.f),
      unary("tanh", OpKind::Tanh, NoAttrs{}, s),
      unary("silu", OpKind::Silu, NoAttrs{}, s, -6.f, 6.f),
      unary("gelu", OpKind::Gelu, NoAttrs{}, s),
      unary("exp", OpKind::Exp, NoAttrs{}, s),
      unary("log", OpKind::Log, NoAttrs{}, s, 0.05f, 5.f),
      unary("sqrt", OpKind::Sqrt, NoAttrs{}, s, 0.f, 5.f),
      unary("abs", OpKind::Abs, NoAttrs{}, s),
      unary("square", OpKind::Square, NoAttrs{}, s),
      unary("pow_3_negative_base", OpKind::PowScalar, PowScalarAttrs{3.0}, s),
      unary("pow_gamma_2_2", OpKind::PowScalar, PowScalarAttrs{2.2}, s, 0.f, 1.f),
      unary("pow_minus_1_5", OpKind::PowScalar, PowScalarAttrs{-1.5}, s, 0.2f, 3.f),
      unary("clamp", OpKind::Clamp, ClampAttrs{-0.5, 0.7}, s),
      unary("clamp_inverted_bounds", OpKind::Clamp, ClampAttrs{0.8, 0.2}, {4, 9}),
  };
}

struct Pattern {
  const char* name;
  Dims a, b, out;
};

std::vector<GpuCase> binaryCases() {
  std::vector<Pattern> pats = {
      {"same", {2, 3, 7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"b_N1HW", {2, 3, 7, 13}, {2, 1, 7, 13}, {2, 3, 7, 13}},
      {"b_1C11", {2, 3, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
      {"a_1C11", {1, 3, 1, 1}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"both_N1HW_1C11", {2, 1, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
      {"b_scalar", {2, 3, 7, 13}, {}, {2, 3, 7, 13}},
      {"a_scalar", {}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"both_scalar", {}, {}, {}},
      {"a_lower_rank", {7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
      {"cross_rank3", {3, 1, 13}, {7, 1}, {3, 7, 13}},
  };
  std::vector<std::pair<const char*, OpKind>> ops = {
      {"add", OpKind::Add}, {"sub", OpKind::Sub},         {"mul", OpKind::Mul},
      {"div", OpKind::Div}, {"maximum", OpKind::Maximum}, {"minimum", OpKind::Minimum}};
  std::vector<GpuCase> r;
  for (auto& [opName, op] : ops)
    for (auto& p : pats) {
      GpuCase c{std::string(opName) + "_" + p.name, op, NoAttrs{}, {p.a, p.b}, {p.out}};
      if (op == OpKind::Div) c.ranges = {{-2.f, 2.f}, {0.5f, 2.f}};
      r.push_back(std::move(c));
    }
  return r;
}

std::vector<GpuCase> boolCases() {
  std::vector<GpuCase> r;
  std::vector<Pattern> pats = {{"same", {2, 3, 7, 13}, {2, 3, 7, 13}, {2, 3, 7, 13}},
                               {"b_1C11", {2, 3, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
                               {"a_scalar", {}, {2, 3, 7, 13}, {2, 3, 7, 13}}};
  for (auto [nm, op] :
       {std::pair{"equal", OpKind::Equal}, std::pair{"less", OpKind::Less},
        std::pair{"less_equal", OpKind::LessEqual}, std::pair{"greater", OpKind::Greater},
        std::pair{"greater_equal", OpKind::GreaterEqual}})
    for (auto& p : pats) {
      GpuCase c{std::string(nm) + "_" + p.name, op, NoAttrs{}, {p.a, p.b}, {p.out}};
      c.outTypes = {DType::Bool};
      r.push_back(c);
      if (std::string(p.name) != "same") continue;
      c.name = std::string(nm) + "_all_equal"; // every pair equal: the other side of each test
      c.ranges = {{1.f, 1.f}, {1.f, 1.f}};
      r.push_back(std::move(c));
    }
  Dims y{2, 3, 7, 13};
  GpuCase same{"where_same", OpKind::Where, NoAttrs{}, {y, y, y}, {y}};
  same.inTypes = {DType::Bool};
  r.push_back(std::move(same));
  GpuCase bc{"where_cond_N1HW_branch_1C11",
             OpKind::Where,
             NoAttrs{},
             {{2, 1, 7, 13}, y, {1, 3, 1, 1}},
             {y}};
  bc.inTypes = {DType::Bool};
  r.push_back(std::move(bc));
  return r;
}

/// prelu's slopes by PyTorch's channel rule: one element ([1] or a scalar), [C] along axis 1
/// (also where C equals the last axis, which NumPy broadcasting would pick), and NumPy-style
/// shapes ([C, 1, 1] as the frontend makes it, [1, C, 1, 1]). x > 0 ? x : slope·x is exact in
/// f32, so the results must agree bit for bit; NaNs in x pass through.
std::vector<GpuCase> preluCases() {
  std::vector<Pattern> pats = {
      {"slope_1", {2, 3, 7, 13}, {1}, {2, 3, 7, 13}},
      {"slope_scalar", {2, 3, 7, 13}, {}, {2, 3, 7, 13}},
      {"slope_C", {2, 3, 7, 13}, {3}, {2, 3, 7, 13}},
      {"slope_C_equal_to_W", {2, 4, 5, 4}, {4}, {2, 4, 5, 4}},
      {"slope_C_rank2", {6, 5}, {5}, {6, 5}},
      {"slope_C11", {2, 3, 7, 13}, {3, 1, 1}, {2, 3, 7, 13}},
      {"slope_1C11", {2, 3, 7, 13}, {1, 3, 1, 1}, {2, 3, 7, 13}},
      {"slope_1_rank1", {17}, {1}, {17}},
  };
  std::vector<GpuCase> r;
  for (auto& p : pats) {
    GpuCase c{std::string("prelu_") + p.name, OpKind::Prelu, NoAttrs{}, {p.a, p.b}, {p.out}};
    c.ranges = {{-3.f, 3.f}, {-0.5f, 0.9f}};
    c.atol = 0, c.rtol = 0;
    r.push_back(std::move(c));
  }
  r.back().nanEvery = 5;
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaPrelu, CudaMatchesCpu, ::testing::ValuesIn(preluCases()), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaCompareWhere, CudaMatchesCpu, ::testing::ValuesIn(boolCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaUnary, CudaMatchesCpu, ::testing::ValuesIn(unaryCases()), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaBinary, CudaMatchesCpu, ::testing::ValuesIn(binaryCases()),
                         gpuCaseName);

} // namespace llie::bt
