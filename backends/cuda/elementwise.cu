// Device code of the elementwise families (launchers declared in device_kernels.h): unary ops
// and broadcasting binary ops. The arithmetic is done in double and rounded once to float, as
// the reference backend does (backends/reference/eltwise.cpp, binary.cpp), so results agree
// with it to the last float bit or close to it. Grid-stride loops over int64 indices.
#include "backends/cuda/device_kernels.h"

#include <math.h>

namespace llie::cuda::dev {
namespace {

constexpr int kThreads = 256;

/// Enough blocks to cover n elements, capped (the loops are grid-stride).
unsigned blocksFor(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

__device__ double applyUnary(UnaryOp op, double x, double p0, double p1) {
  switch (op) {
  case UnaryOp::Neg:
    return -x;
  case UnaryOp::Relu:
    return x > 0 ? x : 0.0;
  case UnaryOp::Relu6:
    return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
  case UnaryOp::LeakyRelu:
    return x >= 0 ? x : p0 * x;
  case UnaryOp::Sigmoid:
    return 1.0 / (1.0 + exp(-x));
  case UnaryOp::Tanh:
    return tanh(x);
  case UnaryOp::Silu:
    return x / (1.0 + exp(-x));
  case UnaryOp::Gelu:
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
  case UnaryOp::Exp:
    return exp(x);
  case UnaryOp::Log:
    return log(x);
  case UnaryOp::Sqrt:
    return sqrt(x);
  case UnaryOp::Abs:
    return fabs(x);
  case UnaryOp::Square:
    return x * x;
  case UnaryOp::PowScalar:
    return pow(x, p0);
  case UnaryOp::Clamp:
    return fmin(fmax(x, p0), p1); // hi wins if lo > hi, as in PyTorch
  }
  return x;
}

__global__ void unaryKernel(UnaryOp op, double p0, double p1, const float* x, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = static_cast<float>(applyUnary(op, static_cast<double>(x[i]), p0, p1));
}

__device__ double applyBinary(BinaryOp op, double a, double b) {
  switch (op) {
  case BinaryOp::Add:
    return a + b;
  case BinaryOp::Sub:
    return a - b;
  case BinaryOp::Mul:
    return a * b;
  case BinaryOp::Div:
    return a / b;
  case BinaryOp::Maximum:
    return a > b ? a : b;
  case BinaryOp::Minimum:
    return a < b ? a : b;
  }
  return a;
}

__global__ void binaryKernel(BinaryOp op, const float* a, const float* b, float* y, Broadcast2 s,
                             int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, oa = 0, ob = 0;
    for (int d = s.rank - 1; d >= 0; --d) {
      int64_t k = rest % s.dims[d];
      rest /= s.dims[d];
      oa += k * s.sa[d];
      ob += k * s.sb[d];
    }
    y[i] = static_cast<float>(applyBinary(op, a[oa], b[ob]));
  }
}

} // namespace

cudaError_t unary(cudaStream_t stream, UnaryOp op, double p0, double p1, const float* x, float* y,
                  int64_t n) {
  if (n > 0) unaryKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, p0, p1, x, y, n);
  return cudaGetLastError();
}

cudaError_t binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b, float* y,
                   const Broadcast2& shape, int64_t n) {
  if (n > 0) binaryKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, a, b, y, shape, n);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
