// cpu-vs-reference cases for pooling and resize (the tables are in spatial_case_tables.h,
// shared with the cuda-vs-cpu harness).
#include "tests/backends/spatial_case_tables.h"

namespace llie::bt {

INSTANTIATE_TEST_SUITE_P(CpuPool, CpuMatchesReference, ::testing::ValuesIn(tables::poolCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuResize, CpuMatchesReference, ::testing::ValuesIn(tables::resizeCases()),
                         caseName);

} // namespace llie::bt
