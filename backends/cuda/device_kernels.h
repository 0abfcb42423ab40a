// The launchers of the cuda backend's own device code (the .cu files), callable from ordinary
// C++: plain types only, no project headers, so nvcc compiles the .cu files quickly and in C++17.
// Each launcher enqueues on `stream` and returns cudaGetLastError() (the launch's own error),
// which the caller checks with LLIE_CUDA_CHECK. Element counts and offsets are int64.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

constexpr int kMaxRank = 8;

/// An output of `rank` axes `dims`, with each operand read through its own strides (0 along a
/// broadcast axis).
struct Broadcast2 {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t sa[kMaxRank] = {};
  int64_t sb[kMaxRank] = {};
};

/// The unary elementwise ops (elementwise.cu), evaluated in double like the reference backend.
enum class UnaryOp : int {
  Neg,
  Relu,
  Relu6,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Silu,
  Gelu,
  Exp,
  Log,
  Sqrt,
  Abs,
  Square,
  PowScalar,
  Clamp
};
/// y[i] = op(x[i]); p0 = alpha / exponent / lo, p1 = hi. In-place safe (y == x).
cudaError_t unary(cudaStream_t stream, UnaryOp op, double p0, double p1, const float* x, float* y,
                  int64_t n);

enum class BinaryOp : int { Add, Sub, Mul, Div, Maximum, Minimum };
/// y = a op b with broadcasting (b.dims is y's shape), arithmetic in double.
cudaError_t binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b, float* y,
                   const Broadcast2& shape, int64_t n);

/// Zero padding of `planes` H x W images to (pt + H + pb) x (pl + W + pr) (movement.cu).
cudaError_t padPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                      int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr);
/// The inverse: the H x W window at (pt, pl) of each (pt + H + pb) x (pl + W + pr) plane.
cudaError_t cropPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                       int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr);

} // namespace llie::cuda::dev
