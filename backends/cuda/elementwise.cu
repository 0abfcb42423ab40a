// Device code of the elementwise families (launchers declared in device_kernels.h): unary ops,
// broadcasting binary ops, comparisons and where, unary_grad and the optimizer updates. The
// arithmetic is done in double and rounded once to float, as the reference backend does
// (backends/reference/eltwise.cpp, binary.cpp), so results agree with it to the last float bit or
// close to it. Grid-stride loops over int64 indices.
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

__global__ void unaryKernel(UnaryOp op, double p0, double p1, const float* x, float* y, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    y[i] = static_cast<float>(unaryValue(op, static_cast<double>(x[i]), p0, p1));
  }
}

__global__ void biasActivateKernel(float* y, const float* bias, int64_t C, int64_t inner, int64_t n,
                                   bool activate, UnaryOp op, double p0) {
  LLIE_GRID_LOOP(i, n) {
    float v = bias ? y[i] + bias[(i / inner) % C] : y[i];
    y[i] = activate ? static_cast<float>(unaryValue(op, static_cast<double>(v), p0, 0.0)) : v;
  }
}

__global__ void binaryKernel(BinaryOp op, const float* a, const float* b, float* y, Broadcast2 s,
                             int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    int64_t oa, ob;
    broadcastOffsets(s, i, oa, ob);
    y[i] = static_cast<float>(binaryValue(op, a[oa], b[ob]));
  }
}

__global__ void compareKernel(CompareOp op, const float* a, const float* b, uint8_t* y,
                              Broadcast2 s, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    int64_t oa, ob;
    broadcastOffsets(s, i, oa, ob);
    const float u = a[oa], v = b[ob];
    bool r = false;
    switch (op) {
    case CompareOp::Equal:
      r = u == v;
      break;
    case CompareOp::Less:
      r = u < v;
      break;
    case CompareOp::LessEqual:
      r = u <= v;
      break;
    case CompareOp::Greater:
      r = u > v;
      break;
    case CompareOp::GreaterEqual:
      r = u >= v;
      break;
    }
    y[i] = r ? 1 : 0;
  }
}

__global__ void whereKernel(const uint8_t* c, const float* a, const float* e, float* y,
                            Broadcast3 s, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    int64_t rest = i, o[3] = {0, 0, 0};
    for (int d = s.rank - 1; d >= 0; --d) {
      int64_t k = rest % s.dims[d];
      rest /= s.dims[d];
      for (int j = 0; j < 3; ++j)
        o[j] += k * s.s[j][d];
    }
    y[i] = c[o[0]] ? a[o[1]] : e[o[2]];
  }
}

__device__ double sgn(double x) {
  return static_cast<double>((0 < x) - (x < 0));
}

/// f'(x) of backends/train/unary_grad.cpp (the non-masked ops).
__device__ double derivative(UnaryGradOp op, double x, double p0) {
  switch (op) {
  case UnaryGradOp::Neg:
    return -1.0;
  case UnaryGradOp::LeakyRelu:
    return x > 0 ? 1.0 : p0;
  case UnaryGradOp::Sigmoid: {
    double s = 1.0 / (1.0 + exp(-x));
    return s * (1.0 - s);
  }
  case UnaryGradOp::Tanh: {
    double t = tanh(x);
    return 1.0 - t * t;
  }
  case UnaryGradOp::Silu: {
    double s = 1.0 / (1.0 + exp(-x));
    return s * (1.0 + x * (1.0 - s));
  }
  case UnaryGradOp::Gelu: {
    const double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
    double cdf = 0.5 * (1.0 + erf(x * kInvSqrt2));
    return cdf + x * kInvSqrt2Pi * exp(-0.5 * x * x);
  }
  case UnaryGradOp::Exp:
    return exp(x);
  case UnaryGradOp::Log:
    return 1.0 / x;
  case UnaryGradOp::Sqrt:
    return 0.5 / sqrt(x);
  case UnaryGradOp::Abs:
    return sgn(x);
  case UnaryGradOp::Square:
    return 2.0 * x;
  case UnaryGradOp::PowScalar:
    return p0 * pow(x, p0 - 1.0);
  case UnaryGradOp::Sin:
    return cos(x);
  case UnaryGradOp::Cos:
    return -sin(x);
  case UnaryGradOp::Acos:
    return -1.0 / sqrt(1.0 - x * x);
  default:
    return 0.0; // the masked ops are handled by the caller
  }
}

__global__ void unaryGradKernel(UnaryGradOp op, double p0, float lo, float hi, const float* x,
                                const float* dy, float* dx, int64_t n) {
  LLIE_GRID_LOOP(i, n) {
    const float v = x[i], g = dy[i];
    switch (op) {
    case UnaryGradOp::Relu:
      dx[i] = v > 0 ? g : 0.f;
      break;
    case UnaryGradOp::Relu6:
      dx[i] = (v > 0 && v < 6) ? g : 0.f;
      break;
    case UnaryGradOp::Clamp:
      dx[i] = (v >= lo && v <= hi) ? g : 0.f;
      break;
    case UnaryGradOp::PowScalarZero:
      dx[i] = 0.f;
      break;
    default:
      dx[i] =
          static_cast<float>(static_cast<double>(g) * derivative(op, static_cast<double>(v), p0));
    }
  }
}

__device__ int64_t stepsTaken(const float* step) {
  return llround(static_cast<double>(*step));
}

// The optimizer updates spell out every f32 multiply and add (_rn intrinsics) so that nvcc
// does not contract them into FMAs: each step rounds as PyTorch's elementwise ops round.
__global__ void sgdKernel(SgdParams s, const float* P, const float* G, const float* B,
                          const float* lr, const float* step, float* Po, float* Bo, int64_t n) {
  const float negLr = -*lr;
  const bool first = stepsTaken(step) == 0;
  LLIE_GRID_LOOP(i, n) {
    float p = P[i], d = G[i], b = B[i];
    if (s.decay) d = __fadd_rn(d, __fmul_rn(s.wd, p));
    if (s.useMomentum) {
      b = first ? d : __fadd_rn(__fmul_rn(b, s.momentum), __fmul_rn(s.keep, d));
      d = s.nesterov ? __fadd_rn(d, __fmul_rn(s.momentum, b)) : b;
    }
    Po[i] = __fadd_rn(p, __fmul_rn(negLr, d));
    Bo[i] = b;
  }
}

__global__ void adamKernel(AdamParams a, const float* P, const float* G, const float* M,
                           const float* V, const float* lrp, const float* step, float* Po,
                           float* Mo, float* Vo, int64_t n) {
  // The scalar coefficients in double, rounded to f32, as PyTorch computes them.
  const double lr = *lrp;
  const double t = static_cast<double>(stepsTaken(step) + 1);
  const double bc1 = 1.0 - pow(a.beta1, t), bc2 = 1.0 - pow(a.beta2, t);
  const float negStep = static_cast<float>(-(lr / bc1));
  const float bc2Sqrt = static_cast<float>(sqrt(bc2));
  const float shrink = static_cast<float>(1.0 - lr * a.weightDecay);
  const float b1 = static_cast<float>(a.beta1), b2 = static_cast<float>(a.beta2);
  const float c1 = static_cast<float>(1.0 - a.beta1), c2 = static_cast<float>(1.0 - a.beta2);
  const float wd = static_cast<float>(a.weightDecay);
  LLIE_GRID_LOOP(i, n) {
    float p = P[i], gr = G[i], m = M[i], v = V[i];
    if (a.decoupled)
      p = __fmul_rn(p, shrink);
    else if (a.decay)
      gr = __fadd_rn(gr, __fmul_rn(wd, p));
    m = __fadd_rn(__fmul_rn(m, b1), __fmul_rn(c1, gr));
    v = __fadd_rn(__fmul_rn(v, b2), __fmul_rn(__fmul_rn(c2, gr), gr));
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(v), bc2Sqrt), a.eps);
    Po[i] = __fadd_rn(p, __fdiv_rn(__fmul_rn(negStep, m), denom));
    Mo[i] = m;
    Vo[i] = v;
  }
}

} // namespace

cudaError_t compare(cudaStream_t stream, CompareOp op, const float* a, const float* b, uint8_t* y,
                    const Broadcast2& shape, int64_t n) {
  if (n > 0) compareKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, a, b, y, shape, n);
  return cudaGetLastError();
}

cudaError_t where(cudaStream_t stream, const uint8_t* cond, const float* a, const float* e,
                  float* y, const Broadcast3& shape, int64_t n) {
  if (n > 0) whereKernel<<<blocksFor(n), kThreads, 0, stream>>>(cond, a, e, y, shape, n);
  return cudaGetLastError();
}

cudaError_t unaryGrad(cudaStream_t stream, UnaryGradOp op, double p0, float lo, float hi,
                      const float* x, const float* dy, float* dx, int64_t n) {
  if (n > 0) unaryGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, p0, lo, hi, x, dy, dx, n);
  return cudaGetLastError();
}

cudaError_t sgdUpdate(cudaStream_t stream, const SgdParams& s, const float* p, const float* g,
                      const float* buf, const float* lr, const float* step, float* pOut,
                      float* bufOut, int64_t n) {
  if (n > 0)
    sgdKernel<<<blocksFor(n), kThreads, 0, stream>>>(s, p, g, buf, lr, step, pOut, bufOut, n);
  return cudaGetLastError();
}

cudaError_t adamUpdate(cudaStream_t stream, const AdamParams& a, const float* p, const float* g,
                       const float* m, const float* v, const float* lr, const float* step,
                       float* pOut, float* mOut, float* vOut, int64_t n) {
  if (n > 0)
    adamKernel<<<blocksFor(n), kThreads, 0, stream>>>(a, p, g, m, v, lr, step, pOut, mOut, vOut, n);
  return cudaGetLastError();
}

cudaError_t unary(cudaStream_t stream, UnaryOp op, double p0, double p1, const float* x, float* y,
                  int64_t n) {
  if (n > 0) unaryKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, p0, p1, x, y, n);
  return cudaGetLastError();
}

cudaError_t biasActivate(cudaStream_t stream, float* y, const float* bias, int64_t C, int64_t inner,
                         int64_t n, bool activate, UnaryOp op, double p0) {
  if (n > 0)
    biasActivateKernel<<<blocksFor(n), kThreads, 0, stream>>>(y, bias, C, inner, n, activate, op,
                                                              p0);
  return cudaGetLastError();
}

cudaError_t binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b, float* y,
                   const Broadcast2& shape, int64_t n) {
  if (n > 0) binaryKernel<<<blocksFor(n), kThreads, 0, stream>>>(op, a, b, y, shape, n);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
