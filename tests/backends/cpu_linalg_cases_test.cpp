// cpu-vs-reference cases for matmul, conv_transpose2d, log_softmax and the pixel shuffles (the
// tables are in linalg_case_tables.h, shared with the cuda-vs-cpu harness).
#include "tests/backends/linalg_case_tables.h"

namespace llie::bt {

INSTANTIATE_TEST_SUITE_P(CpuMatMul, CpuMatchesReference, ::testing::ValuesIn(tables::matmulCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuConvTranspose2d, CpuMatchesReference,
                         ::testing::ValuesIn(tables::convTransposeCases()), caseName);
INSTANTIATE_TEST_SUITE_P(CpuLogSoftmax, CpuMatchesReference,
                         ::testing::ValuesIn(tables::logSoftmaxCases()), caseName);
INSTANTIATE_TEST_SUITE_P(CpuPixelShuffle, CpuMatchesReference,
                         ::testing::ValuesIn(tables::shuffleCases()), caseName);

} // namespace llie::bt
