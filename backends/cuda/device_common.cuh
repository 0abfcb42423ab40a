// What every .cu file of the cuda backend shares: the block size and grid size of its
// grid-stride loops, and the 15 unary elementwise ops as the reference backend defines them (in
// double), used by the unary kernel (elementwise.cu) and the fused-chain interpreter (fused.cu).
#pragma once
#include "backends/cuda/device_kernels.h"

#include <math.h>

namespace llie::cuda::dev {

/// Threads per block; a power of two (the tree reductions halve it).
constexpr int kThreads = 256;

/// Enough blocks to cover n elements, capped (the loops are grid-stride).
inline unsigned blocksFor(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

/// op(x) in double; p0 = alpha / exponent / lo, p1 = hi.
__device__ inline double unaryValue(UnaryOp op, double x, double p0, double p1) {
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

} // namespace llie::cuda::dev
