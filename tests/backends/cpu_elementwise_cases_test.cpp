// cpu-vs-reference cases for the elementwise families (the tables are in
// elementwise_case_tables.h, shared with the cuda-vs-cpu harness).
#include "tests/backends/elementwise_case_tables.h"

namespace llie::bt {

INSTANTIATE_TEST_SUITE_P(CpuUnary, CpuMatchesReference, ::testing::ValuesIn(tables::unaryCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuBinary, CpuMatchesReference, ::testing::ValuesIn(tables::binaryCases()),
                         caseName);

} // namespace llie::bt
