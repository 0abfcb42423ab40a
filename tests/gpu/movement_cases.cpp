// cuda-vs-cpu cases for data movement: the cpu-vs-reference table's concat and data-movement
// cases (tests/backends/tensor_case_tables.h: reshape, stop_grad, permute, slice, pad, expand)
// and the pixel shuffles, copies, so the results must agree exactly; and the table's resize
// cases (spatial_case_tables.h), nearest exactly, bilinear with and without align_corners.
#include "tests/backends/spatial_case_tables.h"
#include "tests/backends/tensor_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

GpuCase exact(std::string name, OpKind op, Attrs a, std::vector<Dims> ins, Dims y) {
  GpuCase c{std::move(name), op, std::move(a), std::move(ins), {std::move(y)}};
  c.atol = 0, c.rtol = 0;
  return c;
}

/// The cpu-vs-reference table's concat and data-movement cases, which must agree exactly, and
/// the pixel shuffles.
std::vector<GpuCase> movementCases() {
  std::vector<GpuCase> r = fromCpuCases(tables::concatCases(), true);
  for (GpuCase& c : r)
    c.name = "concat_" + c.name;
  for (GpuCase& c : fromCpuCases(tables::dataCases(), true))
    r.push_back(std::move(c));
  r.push_back(exact("pixel_shuffle", OpKind::PixelShuffle, PixelShuffleAttrs{2}, {{1, 12, 3, 5}},
                    {1, 3, 6, 10}));
  r.push_back(exact("pixel_unshuffle", OpKind::PixelUnshuffle, PixelShuffleAttrs{2}, {{2, 3, 6, 4}},
                    {2, 12, 3, 2}));
  return r;
}

/// The cpu-vs-reference table's resize cases; nearest ones are copies and must agree exactly.
std::vector<GpuCase> resizeCases() {
  std::vector<GpuCase> r = fromCpuCases(tables::resizeCases());
  for (GpuCase& c : r)
    if (std::get<ResizeAttrs>(c.attrs).mode == ResizeMode::Nearest) c.atol = 0, c.rtol = 0;
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaResize, CudaMatchesCpu, ::testing::ValuesIn(resizeCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaDataMovement, CudaMatchesCpu, ::testing::ValuesIn(movementCases()),
                         gpuCaseName);

} // namespace llie::bt
