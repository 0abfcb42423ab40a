// What every .cu file of the cuda backend shares: the block size and grid size of its
// grid-stride loops (one block per group for the group-wise kernels, with a group's offsets),
// and the 15 unary and 7 binary elementwise ops as the reference backend
// defines them (in double), used by the unary and binary kernels (elementwise.cu) and the
// fused-chain interpreter (fused.cu).
#pragma once
#include "backends/cuda/device_kernels.h"

#include <math.h>

namespace llie::cuda::dev {

/// Threads per block; a power of two (the tree reductions halve it).
constexpr int kThreads = 256;

/// The grid-stride loop over [0, n) of the element-wise kernels: `LLIE_GRID_LOOP(i, n) { ... }`.
#define LLIE_GRID_LOOP(i, n)                                                                       \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n);                        \
       i += int64_t(gridDim.x) * blockDim.x)

/// Enough blocks to cover n elements, capped (the loops are grid-stride).
inline unsigned blocksFor(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

/// One block per group, at most 65535 · 8 blocks (the loops over groups are grid-stride).
inline unsigned groupBlocks(int64_t groups) {
  if (groups < 1) return 1;
  return static_cast<unsigned>(groups > 65535 * 8 ? 65535 * 8 : groups);
}

/// The offset of the idx-th element, row-major over `rank` axes `dims`, read through `strides`
/// (one side of a GroupGeom: the group's offset or a position's within it).
__device__ inline int64_t offsetOf(int64_t idx, int rank, const int64_t* dims,
                                   const int64_t* strides) {
  int64_t off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    off += (idx % dims[d]) * strides[d];
    idx /= dims[d];
  }
  return off;
}

/// The offsets in a and b of output element i of a broadcasting binary op.
__device__ inline void broadcastOffsets(const Broadcast2& s, int64_t i, int64_t& oa, int64_t& ob) {
  int64_t rest = i;
  oa = ob = 0;
  for (int d = s.rank - 1; d >= 0; --d) {
    int64_t k = rest % s.dims[d];
    rest /= s.dims[d];
    oa += k * s.sa[d];
    ob += k * s.sb[d];
  }
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

/// a op b in double (prelu: b is the slope).
__device__ inline double binaryValue(BinaryOp op, double a, double b) {
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
  case BinaryOp::Prelu:
    return a > 0 ? a : b * a;
  }
  return a;
}

} // namespace llie::cuda::dev
