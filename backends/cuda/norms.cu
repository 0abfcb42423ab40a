// Device code of instancenorm, layernorm and l2_normalize (launcher in norm_kernels.h): one
// block per group accumulates in double and combines its threads' partial sums by a fixed tree
// in shared memory (deterministic run to run); mean and biased variance in two passes and the
// affine map in double, rounded once, as backends/reference/norms.cpp does.
#include "backends/cuda/device_common.cuh"
#include "backends/cuda/norm_kernels.h"

#include <math.h>

namespace llie::cuda::dev {
namespace {

/// The sum of every thread's `v` (all threads of the block call it), returned to every thread.
__device__ double blockSum(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  double r = sh[0];
  __syncthreads();
  return r;
}

__global__ void groupNormKernel(GroupNorm kind, const float* x, const float* gamma,
                                const float* beta, float* y, GroupGeom2 g, double eps) {
  __shared__ double sh[kThreads];
  const double cnt = static_cast<double>(g.count);
  for (int64_t grp = blockIdx.x; grp < g.groups; grp += gridDim.x) {
    const int64_t base = (grp / g.inner) * g.count * g.inner + grp % g.inner;
    const float* xg = x + base;
    float* yg = y + base;
    if (kind == GroupNorm::L2) {
      double q = 0;
      for (int64_t k = threadIdx.x; k < g.count; k += kThreads) {
        double v = xg[k * g.inner];
        q += v * v;
      }
      q = blockSum(q, sh);
      double d = sqrt(q);
      if (d < eps) d = eps;
      for (int64_t k = threadIdx.x; k < g.count; k += kThreads)
        yg[k * g.inner] = static_cast<float>(xg[k * g.inner] / d);
      continue;
    }
    const int64_t c = grp % g.C;
    if (kind == GroupNorm::Instance && c >= g.c0) {
      for (int64_t k = threadIdx.x; k < g.count; k += kThreads)
        yg[k * g.inner] = xg[k * g.inner];
      continue;
    }
    double s = 0;
    for (int64_t k = threadIdx.x; k < g.count; k += kThreads)
      s += xg[k * g.inner];
    const double mean = blockSum(s, sh) / cnt;
    double q = 0;
    for (int64_t k = threadIdx.x; k < g.count; k += kThreads) {
      double d = xg[k * g.inner] - mean;
      q += d * d;
    }
    const double r = 1.0 / sqrt(blockSum(q, sh) / cnt + eps);
    for (int64_t k = threadIdx.x; k < g.count; k += kThreads) {
      const int64_t p = kind == GroupNorm::Instance ? c : k;
      yg[k * g.inner] = static_cast<float>((xg[k * g.inner] - mean) * r * gamma[p] + beta[p]);
    }
  }
}

} // namespace

cudaError_t groupNorm(cudaStream_t stream, GroupNorm kind, const float* x, const float* gamma,
                      const float* beta, float* y, const GroupGeom2& g, double eps) {
  if (g.groups > 0 && g.count > 0) {
    groupNormKernel<<<groupBlocks(g.groups), kThreads, 0, stream>>>(kind, x, gamma, beta, y, g,
                                                                    eps);
  }
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
