// Device code of max pooling (launchers declared in device_kernels.h): max_pool2d, one thread per
// output, the max of the window's in-image part in double (std::max's choice: a NaN never
// replaces a value held); and max_pool2d_grad as a race-free gather, one thread per input
// element, adding in float, in the windows' row-major order, the dy of every window whose first
// maximal element (greater than the best so far, or NaN: PyTorch's rule) it is. That is the
// host kernel's scatter (backends/host_grad_movement.cpp) summed in the same order, so the
// result is the same bits and deterministic, with no atomics. Windows as reference/pool.cpp:
// [o·s − pad_before, min(that + k, in + pad_after)) clipped to the image.
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

/// The in-image part [s, e) of output index o's window along one axis.
__device__ void window(int64_t o, int64_t k, int64_t stride, int64_t padBefore, int64_t padAfter,
                       int64_t in, int64_t& s, int64_t& e) {
  int64_t a = o * stride - padBefore;
  int64_t b = a + k < in + padAfter ? a + k : in + padAfter;
  s = a > 0 ? a : 0;
  e = b < in ? b : in;
}

__global__ void maxPoolKernel(const float* x, float* y, PoolDims p) {
  const int64_t n = p.planes * p.OH * p.OW;
  LLIE_GRID_LOOP(k, n) {
    int64_t ow = k % p.OW, oh = (k / p.OW) % p.OH, c = k / (p.OW * p.OH);
    int64_t hs, he, ws, we;
    window(oh, p.kh, p.sh, p.pt, p.pb, p.H, hs, he);
    window(ow, p.kw, p.sw, p.pl, p.pr, p.W, ws, we);
    double acc = -INFINITY;
    for (int64_t ih = hs; ih < he; ++ih)
      for (int64_t iw = ws; iw < we; ++iw) {
        double v = x[(c * p.H + ih) * p.W + iw];
        acc = acc < v ? v : acc;
      }
    y[k] = static_cast<float>(acc);
  }
}

/// floor(a / b) for b > 0.
__device__ int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

__global__ void maxPoolGradKernel(const float* x, const float* dy, float* dx, PoolDims p) {
  const int64_t n = p.planes * p.H * p.W;
  LLIE_GRID_LOOP(k, n) {
    int64_t iw = k % p.W, ih = (k / p.W) % p.H, c = k / (p.W * p.H);
    const float* xc = x + c * p.H * p.W;
    // The windows that can hold (ih, iw): o·s − pad <= i < o·s − pad + k.
    int64_t ohLo = floorDiv(ih + p.pt - p.kh, p.sh) + 1, ohHi = (ih + p.pt) / p.sh;
    int64_t owLo = floorDiv(iw + p.pl - p.kw, p.sw) + 1, owHi = (iw + p.pl) / p.sw;
    if (ohLo < 0) ohLo = 0;
    if (owLo < 0) owLo = 0;
    if (ohHi > p.OH - 1) ohHi = p.OH - 1;
    if (owHi > p.OW - 1) owHi = p.OW - 1;
    float acc = 0.f;
    for (int64_t oh = ohLo; oh <= ohHi; ++oh) {
      int64_t hs, he;
      window(oh, p.kh, p.sh, p.pt, p.pb, p.H, hs, he);
      if (ih < hs || ih >= he) continue;
      for (int64_t ow = owLo; ow <= owHi; ++ow) {
        int64_t ws, we;
        window(ow, p.kw, p.sw, p.pl, p.pr, p.W, ws, we);
        if (iw < ws || iw >= we) continue;
        int64_t best = hs * p.W + ws;
        float bestV = -INFINITY;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) {
            float v = xc[h * p.W + w];
            if (v > bestV || isnan(v)) bestV = v, best = h * p.W + w;
          }
        if (best == ih * p.W + iw) acc += dy[(c * p.OH + oh) * p.OW + ow];
      }
    }
    dx[k] = acc;
  }
}

} // namespace

cudaError_t maxPool2d(cudaStream_t stream, const float* x, float* y, const PoolDims& p) {
  int64_t n = p.planes * p.OH * p.OW;
  if (n > 0) maxPoolKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, p);
  return cudaGetLastError();
}

cudaError_t maxPool2dGrad(cudaStream_t stream, const float* x, const float* dy, float* dx,
                          const PoolDims& p) {
  int64_t n = p.planes * p.H * p.W;
  if (n > 0) maxPoolGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, dy, dx, p);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
