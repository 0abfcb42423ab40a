// Device code of fused_elementwise (launcher declared in device_kernels.h): an interpreter of
// the parsed program, one thread per output element. Inputs are read through their broadcast
// strides; every step is computed in double and rounded to f32, as the reference backend rounds
// each op of the unfused chain, so the chain agrees with it (and with the cpu backend) to f32
// rounding per op.
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

/// The reference backend's definitions (eltwise.cpp, binary.cpp, train/pointwise.cpp).
__device__ double apply(const FusedStepDev& s, double x, double b) {
  // FusedOp begins with the unary ops, in UnaryOp's order (device_kernels.h).
  if (static_cast<int>(s.op) <= static_cast<int>(UnaryOp::Clamp))
    return unaryValue(static_cast<UnaryOp>(s.op), x, s.p0, s.p1);
  // ... then the binary ops from Add to Prelu, in BinaryOp's order.
  if (s.op >= FusedOp::Add && s.op <= FusedOp::Prelu)
    return binaryValue(
        static_cast<BinaryOp>(static_cast<int>(s.op) - static_cast<int>(FusedOp::Add)), x, b);
  switch (s.op) {
  case FusedOp::Sign:
    return static_cast<double>((0.0 < x) - (x < 0.0));
  case FusedOp::Sin:
    return sin(x);
  case FusedOp::Cos:
    return cos(x);
  case FusedOp::Acos:
    return acos(x);
  case FusedOp::Identity:
    return x;
  case FusedOp::Pow:
    return pow(x, b);
  case FusedOp::Atan2:
    return atan2(x, b);
  default: // the unary and binary ops, above
    break;
  }
  return x;
}

__global__ void fusedKernel(FusedProgramDev prog, FusedInputs in, float* y, int64_t n) {
  float vals[kMaxFusedInputs + kMaxFusedSteps];
  LLIE_GRID_LOOP(i, n) {
    int64_t idx[kMaxRank];
    int64_t rest = i;
    for (int d = prog.rank - 1; d >= 0; --d) {
      idx[d] = rest % prog.dims[d];
      rest /= prog.dims[d];
    }
    for (int k = 0; k < prog.numInputs; ++k) {
      int64_t off = 0;
      for (int d = 0; d < prog.rank; ++d)
        off += idx[d] * prog.strides[k][d];
      vals[k] = in.p[k][off];
    }
    for (int j = 0; j < prog.numSteps; ++j) {
      const FusedStepDev& s = prog.steps[j];
      vals[prog.numInputs + j] = static_cast<float>(apply(s, vals[s.src[0]], vals[s.src[1]]));
    }
    y[i] = vals[prog.numInputs + prog.numSteps - 1];
  }
}

} // namespace

cudaError_t fusedElementwise(cudaStream_t stream, const FusedProgramDev& prog,
                             const FusedInputs& in, float* y, int64_t n) {
  if (n > 0 && prog.numSteps > 0)
    fusedKernel<<<blocksFor(n), kThreads, 0, stream>>>(prog, in, y, n);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
