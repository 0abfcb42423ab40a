// The settings the selection-reduction tests share: the argmax axes and the kth_value (axes,
// fraction) pairs that the host kernels' test (class_loss_kernels_test.cpp, against naive loops
// and sorting) and the cuda-vs-cpu cases (tests/gpu/norm_reduce_cases.cpp) both run over a
// rank-4 x: contiguous and scattered axes, negative ones, and fractions at both ends.
#pragma once
#include <cstdint>
#include <vector>

namespace llie::bt {

inline const std::vector<int64_t> kArgMaxAxes = {1, -1, 0};

struct KthCase {
  std::vector<int64_t> axes;
  double fraction;
};
inline const std::vector<KthCase> kKthCases = {
    {{1, 2, 3}, 0.4}, {{0, 2}, 0.5}, {{3}, 0.0}, {{2, 3}, 1.0}, {{-1, -2}, 0.33}};

} // namespace llie::bt
