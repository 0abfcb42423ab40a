// cpu-vs-reference cases for reductions, softmax, concat and data movement (the tables are in
// tensor_case_tables.h, shared with the cuda-vs-cpu harness).
#include "tests/backends/tensor_case_tables.h"

namespace llie::bt {

INSTANTIATE_TEST_SUITE_P(CpuReduce, CpuMatchesReference, ::testing::ValuesIn(tables::reduceCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuSoftmax, CpuMatchesReference,
                         ::testing::ValuesIn(tables::softmaxCases()), caseName);
INSTANTIATE_TEST_SUITE_P(CpuConcat, CpuMatchesReference, ::testing::ValuesIn(tables::concatCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuDataMovement, CpuMatchesReference,
                         ::testing::ValuesIn(tables::dataCases()), caseName);

} // namespace llie::bt
