// The launchers of the per-group normalisations' device code (norms.cu), callable from ordinary
// C++ with plain types only, like device_kernels.h (kept apart so that the other .cu files do
// not depend on it). Each enqueues on `stream` and returns cudaGetLastError().
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

/// The normalisation applied to each group of `count` values.
enum class GroupNorm : int {
  Instance, ///< (x − mean)·rstd·gamma[c] + beta[c], c = group % C; groups with c >= c0 copied
  Layer,    ///< (x − mean)·rstd·gamma[k] + beta[k], k the element's index in its group
  L2        ///< x / max(‖x‖₂, eps)
};

/// Groups of x: group g holds `count` values `inner` apart from base (g / inner)·count·inner +
/// g % inner (inner = 1: contiguous rows). Mean and biased variance (or the sum of squares) in
/// double, one block per group with a fixed reduction tree (deterministic), as
/// backends/reference/norms.cpp computes them.
struct GroupGeom2 {
  int64_t groups = 0, count = 0, inner = 1;
  int64_t C = 1, c0 = 0; ///< Instance only: channels, and how many are normalised
};

cudaError_t groupNorm(cudaStream_t stream, GroupNorm kind, const float* x, const float* gamma,
                      const float* beta, float* y, const GroupGeom2& g, double eps);

} // namespace llie::cuda::dev
