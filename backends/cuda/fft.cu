// Device code of the FFT family (launchers in fft_kernels.h): the element maps around cuFFT's
// complex-to-complex transforms that make them rfft2, irfft2 and their gradients (see
// backends/cuda/fft.cpp).
#include "backends/cuda/device_common.cuh"
#include "backends/cuda/fft_kernels.h"

namespace llie::cuda::dev {
namespace {

__global__ void realToComplexKernel(const float* x, float* c, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    c[2 * i] = x[i];
    c[2 * i + 1] = 0.f;
  }
}

__global__ void keepColumnsKernel(const float* full, float* z, const double* w, int64_t planes,
                                  int64_t H, int64_t W, int64_t Wh) {
  const int64_t n = planes * H * Wh;
  LLIE_GRID_LOOP(i, n) {
    const int64_t l = i % Wh, row = i / Wh; // row = plane · H + k
    const int64_t src = row * W + l;
    z[2 * i] = static_cast<float>(w[l] * full[2 * src]);
    z[2 * i + 1] = static_cast<float>(w[l] * full[2 * src + 1]);
  }
}

__global__ void hermitianExtendKernel(const float* z, float* full, const double* w, int64_t planes,
                                      int64_t H, int64_t W, int64_t Wh) {
  const int64_t n = planes * H * W;
  LLIE_GRID_LOOP(i, n) {
    const int64_t l = i % W, k = (i / W) % H, p = i / (W * H);
    double re, im;
    if (l < Wh) {
      const int64_t s = (p * H + k) * Wh + l;
      re = w[l] * z[2 * s];
      im = w[l] * z[2 * s + 1];
    } else {
      const int64_t lm = W - l, km = (H - k) % H;
      const int64_t s = (p * H + km) * Wh + lm;
      re = w[lm] * z[2 * s];
      im = -(w[lm] * z[2 * s + 1]);
    }
    full[2 * i] = static_cast<float>(re);
    full[2 * i + 1] = static_cast<float>(im);
  }
}

__global__ void realPartKernel(const float* c, float* y, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    y[i] = c[2 * i];
  }
}

} // namespace

cudaError_t realToComplex(cudaStream_t stream, const float* x, float* c, int64_t n) {
  if (n > 0) realToComplexKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, c, n);
  return cudaGetLastError();
}

cudaError_t keepColumns(cudaStream_t stream, const float* full, float* z, const double* w,
                        int64_t planes, int64_t H, int64_t W, int64_t Wh) {
  const int64_t n = planes * H * Wh;
  if (n > 0) keepColumnsKernel<<<blocksFor(n), kThreads, 0, stream>>>(full, z, w, planes, H, W, Wh);
  return cudaGetLastError();
}

cudaError_t hermitianExtend(cudaStream_t stream, const float* z, float* full, const double* w,
                            int64_t planes, int64_t H, int64_t W, int64_t Wh) {
  const int64_t n = planes * H * W;
  if (n > 0)
    hermitianExtendKernel<<<blocksFor(n), kThreads, 0, stream>>>(z, full, w, planes, H, W, Wh);
  return cudaGetLastError();
}

cudaError_t realPart(cudaStream_t stream, const float* c, float* y, int64_t n) {
  if (n > 0) realPartKernel<<<blocksFor(n), kThreads, 0, stream>>>(c, y, n);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
