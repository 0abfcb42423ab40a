// Device code of data movement (launchers declared in device_kernels.h): the strided gather
// behind permute / slice / expand / pixel shuffles, padding of the last two axes in the three
// modes, and zero padding of image planes with the crop that undoes it (the explicit padding the
// cuDNN convolutions use for asymmetric pads). Pure copies: results are exact.
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

__global__ void gatherKernel(const float* x, float* y, Gather g, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, off = g.base;
    for (int d = g.rank - 1; d >= 0; --d) {
      off += (rest % g.dims[d]) * g.strides[d];
      rest /= g.dims[d];
    }
    y[i] = x[off];
  }
}

/// The source index along one padded axis (-1: the constant), as host::padTable computes it.
__device__ int64_t padSource(int64_t o, int64_t before, int64_t size, int mode) {
  int64_t i = o - before;
  if (i >= 0 && i < size) return i;
  if (mode == 0) return -1;
  if (mode == 2) return i < 0 ? 0 : size - 1;
  if (size == 1) return 0;
  int64_t period = 2 * (size - 1); // reflect: ... 2 1 [0 1 2 .. n-1] n-2 ...
  i = ((i % period) + period) % period;
  return i >= size ? period - i : i;
}

__global__ void padImageKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                               int64_t OH, int64_t OW, int64_t pt, int64_t pl, int mode,
                               float value) {
  int64_t n = planes * OH * OW;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t ow = i % OW, oh = (i / OW) % OH, p = i / (OW * OH);
    int64_t ih = padSource(oh, pt, H, mode), iw = padSource(ow, pl, W, mode);
    y[i] = (ih < 0 || iw < 0) ? value : x[(p * H + ih) * W + iw];
  }
}

} // namespace

cudaError_t gather(cudaStream_t stream, const float* x, float* y, const Gather& g, int64_t n) {
  if (n > 0) gatherKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, g, n);
  return cudaGetLastError();
}

cudaError_t padImage(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                     int64_t W, int64_t OH, int64_t OW, int64_t pt, int64_t pl, int mode,
                     float value) {
  int64_t n = planes * OH * OW;
  if (n > 0)
    padImageKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, planes, H, W, OH, OW, pt, pl, mode,
                                                          value);
  return cudaGetLastError();
}

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
