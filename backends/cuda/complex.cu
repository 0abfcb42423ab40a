// Device code of the pointwise complex ops (launchers in complex_kernels.h), in double with the
// formulas of backends/host_complex.cpp: at z = 0 abs and angle give 0 and both gradients are 0.
#include "backends/cuda/complex_kernels.h"
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

__global__ void complexToRealKernel(bool abs, const float* z, float* y, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    const double re = z[2 * i], im = z[2 * i + 1];
    y[i] = static_cast<float>(abs ? hypot(re, im) : atan2(im, re));
  }
}

__global__ void complexGradKernel(bool abs, const float* z, const float* dy, float* dz, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    const double re = z[2 * i], im = z[2 * i + 1], d = dy[i];
    const double r2 = re * re + im * im;
    double gr = 0, gi = 0;
    if (r2 > 0 && abs) {
      const double r = sqrt(r2);
      gr = d * re / r, gi = d * im / r;
    } else if (r2 > 0) {
      gr = -d * im / r2, gi = d * re / r2;
    }
    dz[2 * i] = static_cast<float>(gr);
    dz[2 * i + 1] = static_cast<float>(gi);
  }
}

__global__ void polarKernel(const float* A, const float* P, float* Z, Broadcast2 s, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    int64_t oa, ob;
    broadcastOffsets(s, i, oa, ob);
    const double a = A[oa], p = P[ob];
    Z[2 * i] = static_cast<float>(a * cos(p));
    Z[2 * i + 1] = static_cast<float>(a * sin(p));
  }
}

__global__ void polarGradKernel(const float* A, const float* P, const float* DZ, float* DA,
                                float* DP, Broadcast2 s, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    int64_t oa, ob;
    broadcastOffsets(s, i, oa, ob);
    const double a = A[oa], p = P[ob];
    const double c = cos(p), sn = sin(p);
    const double zr = DZ[2 * i], zi = DZ[2 * i + 1];
    DA[i] = static_cast<float>(zr * c + zi * sn);
    DP[i] = static_cast<float>(a * (zi * c - zr * sn));
  }
}

} // namespace

cudaError_t complexToReal(cudaStream_t stream, bool abs, const float* z, float* y, int64_t n) {
  if (n > 0) complexToRealKernel<<<blocksFor(n), kThreads, 0, stream>>>(abs, z, y, n);
  return cudaGetLastError();
}

cudaError_t complexGrad(cudaStream_t stream, bool abs, const float* z, const float* dy, float* dz,
                        int64_t n) {
  if (n > 0) complexGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(abs, z, dy, dz, n);
  return cudaGetLastError();
}

cudaError_t polar(cudaStream_t stream, const float* a, const float* phi, float* z,
                  const Broadcast2& s, int64_t n) {
  if (n > 0) polarKernel<<<blocksFor(n), kThreads, 0, stream>>>(a, phi, z, s, n);
  return cudaGetLastError();
}

cudaError_t polarGrad(cudaStream_t stream, const float* a, const float* phi, const float* dz,
                      float* da, float* dphi, const Broadcast2& s, int64_t n) {
  if (n > 0) polarGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(a, phi, dz, da, dphi, s, n);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
