// cuda-vs-cpu cases for the elementwise families: every unary op with its attributes and every
// binary op under each broadcasting pattern, as the cpu-vs-reference table has them
// (tests/backends/elementwise_case_tables.h); the comparisons (a Bool result, exact; random values
// and all-equal ones) and where (a Bool condition) under broadcasting; prelu with each form of
// slope (one element, [C] along axis 1, NumPy-style shapes), exactly.
#include "tests/backends/elementwise_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

using tables::Pattern;

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
INSTANTIATE_TEST_SUITE_P(CudaUnary, CudaMatchesCpu,
                         ::testing::ValuesIn(fromCpuCases(tables::unaryCases())), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaBinary, CudaMatchesCpu,
                         ::testing::ValuesIn(fromCpuCases(tables::binaryCases())), gpuCaseName);

} // namespace llie::bt
