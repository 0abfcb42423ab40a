// cuda-vs-cpu cases for the cuBLAS matmul: the cpu-vs-reference table's (tests/backends/
// linalg_case_tables.h: plain and with either or both operands transposed, batch broadcasting on
// either side and on both, which takes the per-matrix path, a bias of shape [N] and one
// broadcast over rows, an epilogue, the linear-layer form [B, N, in]·[out, in]ᵀ) and a larger
// product.
#include "tests/backends/linalg_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

std::vector<GpuCase> matmulCases() {
  std::vector<GpuCase> r = fromCpuCases(tables::matmulCases());
  r.push_back(fromCpuCases({tables::mm("square_128", {128, 128}, {128, 128}, {128, 128})})[0]);
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaMatMul, CudaMatchesCpu, ::testing::ValuesIn(matmulCases()),
                         gpuCaseName);

} // namespace llie::bt
