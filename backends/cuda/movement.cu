// Device code of data movement (launchers declared in device_kernels.h): the strided gather
// behind permute / slice / expand / pixel shuffles, padding of the last two axes in the three
// modes, resize (nearest, bilinear), the separable gather (average pooling and the adjoints of
// pad, resize and pooling), slice_grad, and zero padding of image planes with the crop that undoes
// it (the explicit padding the cuDNN convolutions use for asymmetric pads). Pure copies: results
// are exact.
#include "backends/cuda/device_common.cuh"

namespace llie::cuda::dev {
namespace {

/// One thread per padded element: the source pixel or zero.
__global__ void padKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                          int64_t pt, int64_t pl, int64_t PH, int64_t PW) {
  int64_t n = planes * PH * PW;
  LLIE_GRID_LOOP(i, n) {
    int64_t pw = i % PW, ph = (i / PW) % PH, p = i / (PW * PH);
    int64_t h = ph - pt, w = pw - pl;
    y[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[(p * H + h) * W + w] : 0.f;
  }
}

/// One thread per cropped element.
__global__ void cropKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                           int64_t pt, int64_t pl, int64_t PH, int64_t PW) {
  int64_t n = planes * H * W;
  LLIE_GRID_LOOP(i, n) {
    int64_t w = i % W, h = (i / W) % H, p = i / (W * H);
    y[i] = x[(p * PH + h + pt) * PW + w + pl];
  }
}

__global__ void gatherKernel(const float* x, float* y, Gather g, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    const int64_t off = g.base + offsetOf(i, g.rank, g.dims, g.strides);
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
  LLIE_GRID_LOOP(i, n) {
    int64_t ow = i % OW, oh = (i / OW) % OH, p = i / (OW * OH);
    int64_t ih = padSource(oh, pt, H, mode), iw = padSource(ow, pl, W, mode);
    y[i] = (ih < 0 || iw < 0) ? value : x[(p * H + ih) * W + iw];
  }
}

/// kernels::nearestSrc: min(floor(dst · (float)in/out), in − 1) in float.
__device__ int64_t nearestSrc(int64_t dst, int64_t in, int64_t out) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  float scale = __fdiv_rn(static_cast<float>(in), static_cast<float>(out));
  int64_t s = static_cast<int64_t>(floorf(__fmul_rn(static_cast<float>(dst), scale)));
  return s < in - 1 ? s : in - 1;
}

/// kernels::linearTap: the two neighbours and the second one's weight.
__device__ void linearTap(int64_t dst, int64_t in, int64_t out, bool alignCorners, int64_t& i0,
                          int64_t& i1, double& w1) {
  double src;
  if (alignCorners) {
    src = out > 1 ? __ddiv_rn(__dmul_rn(static_cast<double>(dst), static_cast<double>(in - 1)),
                              static_cast<double>(out - 1))
                  : 0.0;
  } else {
    src = __dadd_rn(
        __ddiv_rn(__dmul_rn(__dadd_rn(static_cast<double>(dst), 0.5), static_cast<double>(in)),
                  static_cast<double>(out)),
        -0.5);
    if (src < 0) src = 0;
  }
  int64_t s = static_cast<int64_t>(src);
  i0 = s < in - 1 ? s : in - 1;
  i1 = i0 < in - 1 ? i0 + 1 : i0;
  w1 = __dadd_rn(src, -static_cast<double>(i0));
}

__global__ void resizeKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                             int64_t OH, int64_t OW, bool nearest, bool ac) {
  int64_t n = planes * OH * OW;
  LLIE_GRID_LOOP(i, n) {
    int64_t ow = i % OW, oh = (i / OW) % OH, p = i / (OW * OH);
    const float* P = x + p * H * W;
    if (nearest) {
      y[i] = P[nearestSrc(oh, H, OH) * W + nearestSrc(ow, W, OW)];
      continue;
    }
    int64_t h0, h1, w0, wi1;
    double wh, ww;
    linearTap(oh, H, OH, ac, h0, h1, wh);
    linearTap(ow, W, OW, ac, w0, wi1, ww);
    double top = __dadd_rn(__dmul_rn(P[h0 * W + w0], 1 - ww), __dmul_rn(P[h0 * W + wi1], ww));
    double bot = __dadd_rn(__dmul_rn(P[h1 * W + w0], 1 - ww), __dmul_rn(P[h1 * W + wi1], ww));
    y[i] = static_cast<float>(__dadd_rn(__dmul_rn(top, 1 - wh), __dmul_rn(bot, wh)));
  }
}

__global__ void gatherDivideKernel(const float* x, float* y, Gather g, int64_t n, float div) {
  LLIE_GRID_LOOP(i, n) {
    const int64_t off = g.base + offsetOf(i, g.rank, g.dims, g.strides);
    y[i] = __fdiv_rn(x[off], div);
  }
}

__global__ void separableKernel(const float* x, float* y, int64_t planes, int64_t H, int64_t W,
                                int64_t OH, int64_t OW, AxisTable rows, AxisTable cols) {
  int64_t n = planes * OH * OW;
  LLIE_GRID_LOOP(i, n) {
    int64_t b = i % OW, a = (i / OW) % OH, p = i / (OW * OH);
    const float* P = x + p * H * W;
    double acc = 0;
    for (int64_t r = rows.begin[a]; r < rows.begin[a + 1]; ++r) {
      const float* row = P + rows.src[r] * W;
      double s = 0;
      for (int64_t c = cols.begin[b]; c < cols.begin[b + 1]; ++c)
        s += cols.w[c] * row[cols.src[c]];
      acc += rows.w[r] * s;
    }
    y[i] = static_cast<float>(acc);
  }
}

__global__ void sliceGradKernel(const float* dy, float* dx, int64_t outer, int64_t X, int64_t Y,
                                int64_t inner, int64_t start, int64_t step) {
  int64_t n = outer * X * inner;
  LLIE_GRID_LOOP(i, n) {
    int64_t in = i % inner, j = (i / inner) % X, o = i / (inner * X);
    int64_t d = j - start;
    bool hit = d >= 0 && d % step == 0 && d / step < Y;
    dx[i] = hit ? dy[(o * Y + d / step) * inner + in] : 0.f;
  }
}

} // namespace

cudaError_t gatherDivide(cudaStream_t stream, const float* x, float* y, const Gather& g, int64_t n,
                         float divisor) {
  if (n > 0) gatherDivideKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, g, n, divisor);
  return cudaGetLastError();
}

cudaError_t separable(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                      int64_t W, int64_t OH, int64_t OW, AxisTable rows, AxisTable cols) {
  int64_t n = planes * OH * OW;
  if (n > 0)
    separableKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, planes, H, W, OH, OW, rows, cols);
  return cudaGetLastError();
}

cudaError_t sliceGrad(cudaStream_t stream, const float* dy, float* dx, int64_t outer, int64_t X,
                      int64_t Y, int64_t inner, int64_t start, int64_t step) {
  int64_t n = outer * X * inner;
  if (n > 0)
    sliceGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(dy, dx, outer, X, Y, inner, start, step);
  return cudaGetLastError();
}

cudaError_t resize(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                   int64_t W, int64_t OH, int64_t OW, bool nearest, bool alignCorners) {
  int64_t n = planes * OH * OW;
  if (n > 0 && H > 0 && W > 0)
    resizeKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, planes, H, W, OH, OW, nearest,
                                                        alignCorners);
  return cudaGetLastError();
}

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
