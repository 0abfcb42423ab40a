// Device code of the data-movement helpers (launchers declared in device_kernels.h): zero
// padding of image planes and the crop that undoes it (the explicit padding the cuDNN
// convolutions use for asymmetric pads). Pure copies: results are exact.
#include "backends/cuda/device_kernels.h"

namespace llie::cuda::dev {
namespace {

constexpr int kThreads = 256;

unsigned blocksFor(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

/// One thread per padded element: the source pixel or zero.
__global__ void padKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                          int64_t pt, int64_t pl, int64_t PH, int64_t PW) {
  int64_t n = planes * PH * PW;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t pw = i % PW, ph = (i / PW) % PH, p = i / (PW * PH);
    int64_t h = ph - pt, w = pw - pl;
    y[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[(p * H + h) * W + w] : 0.f;
  }
}

/// One thread per cropped element.
__global__ void cropKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                           int64_t pt, int64_t pl, int64_t PH, int64_t PW) {
  int64_t n = planes * H * W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t w = i % W, h = (i / W) % H, p = i / (W * H);
    y[i] = x[(p * PH + h + pt) * PW + w + pl];
  }
}

} // namespace

cudaError_t padPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                      int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
  int64_t PH = pt + H + pb, PW = pl + W + pr, n = planes * PH * PW;
  if (n > 0) padKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, planes, H, W, pt, pl, PH, PW);
  return cudaGetLastError();
}

cudaError_t cropPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                       int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
  int64_t PH = pt + H + pb, PW = pl + W + pr, n = planes * H * W;
  if (n > 0) cropKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, planes, H, W, pt, pl, PH, PW);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
