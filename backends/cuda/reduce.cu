// Device code of the reduction families (launchers declared in device_kernels.h): reductions
// over any set of axes, softmax / log-softmax over any set of axes, and batch normalisation
// (inference, training statistics and output, training backward), and the pointwise losses with
// their gradients. One block of kThreads per
// group (or channel) accumulates in double and combines its threads' partials by a fixed tree
// in shared memory, so results are deterministic run to run; formulas follow the reference
// backend (backends/reference/reduce.cpp, softmax.cpp, batchnorm*.cpp).
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

struct Sum {
  __device__ double operator()(double a, double b) const { return a + b; }
};
/// std::max / std::min's choices (NaN never replaces a value already held).
struct Max {
  __device__ double operator()(double a, double b) const { return a < b ? b : a; }
};
struct Min {
  __device__ double operator()(double a, double b) const { return b < a ? b : a; }
};

/// Combines every thread's `v` (all threads of the block must call it); returns the result to
/// every thread.
template <class Op> __device__ double blockReduce(double v, double* sh, Op op) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] = op(sh[threadIdx.x], sh[threadIdx.x + s]);
    __syncthreads();
  }
  double r = sh[0];
  __syncthreads();
  return r;
}

template <class Op>
__global__ void reduceKernel(Op op, double init, bool mean, const float* x, float* y, GroupGeom g) {
  __shared__ double sh[kThreads];
  for (int64_t grp = blockIdx.x; grp < g.groups; grp += gridDim.x) {
    int64_t base = offsetOf(grp, g.keptRank, g.kdims, g.kstrides);
    double acc = init;
    for (int64_t r = threadIdx.x; r < g.count; r += kThreads)
      acc = op(acc, static_cast<double>(x[base + offsetOf(r, g.redRank, g.rdims, g.rstrides)]));
    acc = blockReduce(acc, sh, op);
    if (threadIdx.x == 0)
      y[grp] = static_cast<float>(mean ? acc / static_cast<double>(g.count) : acc);
  }
}

__global__ void softmaxKernel(bool logForm, const float* x, float* y, GroupGeom g) {
  __shared__ double sh[kThreads];
  for (int64_t grp = blockIdx.x; grp < g.groups; grp += gridDim.x) {
    int64_t base = offsetOf(grp, g.keptRank, g.kdims, g.kstrides);
    double mx = -INFINITY;
    for (int64_t r = threadIdx.x; r < g.count; r += kThreads)
      mx = Max()(mx, static_cast<double>(x[base + offsetOf(r, g.redRank, g.rdims, g.rstrides)]));
    mx = blockReduce(mx, sh, Max());
    double sum = 0;
    for (int64_t r = threadIdx.x; r < g.count; r += kThreads)
      sum += exp(x[base + offsetOf(r, g.redRank, g.rdims, g.rstrides)] - mx);
    sum = blockReduce(sum, sh, Sum());
    double logSum = log(sum);
    for (int64_t r = threadIdx.x; r < g.count; r += kThreads) {
      int64_t k = base + offsetOf(r, g.redRank, g.rdims, g.rstrides);
      double v = x[k];
      y[k] = static_cast<float>(logForm ? v - mx - logSum : exp(v - mx) / sum);
    }
  }
}

/// The epilogue applied to y = bn(x) in double, as the reference backend's applyEpilogue.
__device__ double bnActivate(BnAct act, double z) {
  switch (act) {
  case BnAct::Relu:
    return z > 0 ? z : 0.0;
  case BnAct::Relu6:
    return z < 0 ? 0.0 : (z > 6 ? 6.0 : z);
  case BnAct::None:
    break;
  }
  return z;
}

/// Whether the epilogue passes the gradient at its pre-activation y (already rounded to f32):
/// relu y > 0, relu6 0 < y < 6 (strict).
__device__ bool bnPasses(BnAct act, float y) {
  switch (act) {
  case BnAct::Relu:
    return y > 0.f;
  case BnAct::Relu6:
    return y > 0.f && y < 6.f;
  case BnAct::None:
    break;
  }
  return true;
}

__global__ void bnInferKernel(const float* x, const float* gamma, const float* beta,
                              const float* mean, const float* var, float* y, int64_t C,
                              int64_t inner, int64_t n, double eps, BnAct act) {
  LLIE_GRID_LOOP(k, n) {
    int64_t c = (k / inner) % C;
    double inv = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    y[k] = static_cast<float>(
        bnActivate(act, (x[k] - static_cast<double>(mean[c])) * inv * gamma[c] + beta[c]));
  }
}

/// The offset of the j-th element of channel c in [outer, C, inner].
__device__ int64_t channelAt(int64_t j, int64_t c, int64_t C, int64_t inner) {
  return ((j / inner) * C + c) * inner + j % inner;
}

__global__ void bnTrainKernel(const float* x, const float* gamma, const float* beta,
                              const float* rm, const float* rv, float* y, float* mean, float* var,
                              float* nrm, float* nrv, int64_t outer, int64_t C, int64_t inner,
                              double eps, double m, BnAct act) {
  __shared__ double sh[kThreads];
  const int64_t count = outer * inner;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double sum = 0;
    for (int64_t j = threadIdx.x; j < count; j += kThreads)
      sum += x[channelAt(j, c, C, inner)];
    sum = blockReduce(sum, sh, Sum());
    double mu = count ? sum / count : 0.0;
    double sq = 0;
    for (int64_t j = threadIdx.x; j < count; j += kThreads) {
      double d = x[channelAt(j, c, C, inner)] - mu;
      sq += d * d;
    }
    sq = blockReduce(sq, sh, Sum());
    double v = count ? sq / count : 0.0;
    double inv = 1.0 / sqrt(v + eps);
    for (int64_t j = threadIdx.x; j < count; j += kThreads) {
      int64_t k = channelAt(j, c, C, inner);
      y[k] = static_cast<float>(bnActivate(act, (x[k] - mu) * inv * gamma[c] + beta[c]));
    }
    if (threadIdx.x == 0) {
      double unbiased = count > 1 ? v * count / (count - 1) : v;
      mean[c] = static_cast<float>(mu);
      var[c] = static_cast<float>(v);
      nrm[c] = static_cast<float>((1 - m) * rm[c] + m * mu);
      nrv[c] = static_cast<float>((1 - m) * rv[c] + m * unbiased);
    }
  }
}

/// dy at k, or 0 where the epilogue passes no gradient: y recomputed with the forward's
/// expression on the saved (f32) statistics and rounded to f32, as the host backends do.
__device__ double bnMaskedDy(BnAct act, const float* x, const float* gamma, const float* beta,
                             const float* mean, double inv, const float* dy, int64_t k, int64_t c) {
  if (act == BnAct::None) return dy[k];
  float y = static_cast<float>((x[k] - static_cast<double>(mean[c])) * inv * gamma[c] + beta[c]);
  return bnPasses(act, y) ? static_cast<double>(dy[k]) : 0.0;
}

__global__ void bnGradKernel(const float* x, const float* gamma, const float* mean,
                             const float* var, const float* dy, const float* beta, float* dx,
                             float* dgamma, float* dbeta, int64_t outer, int64_t C, int64_t inner,
                             double eps, BnAct act) {
  __shared__ double sh[kThreads];
  const int64_t count = outer * inner;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double inv = 1.0 / sqrt(static_cast<double>(var[c]) + eps), mu = mean[c];
    double sdy = 0, sdyx = 0;
    for (int64_t j = threadIdx.x; j < count; j += kThreads) {
      int64_t k = channelAt(j, c, C, inner);
      double g = bnMaskedDy(act, x, gamma, beta, mean, inv, dy, k, c);
      sdy += g;
      sdyx += g * (x[k] - mu) * inv;
    }
    sdy = blockReduce(sdy, sh, Sum());
    sdyx = blockReduce(sdyx, sh, Sum());
    double cnt = static_cast<double>(count);
    for (int64_t j = threadIdx.x; j < count; j += kThreads) {
      int64_t k = channelAt(j, c, C, inner);
      double g = bnMaskedDy(act, x, gamma, beta, mean, inv, dy, k, c);
      double xhat = (x[k] - mu) * inv;
      dx[k] = static_cast<float>(gamma[c] * inv * (g - sdy / cnt - xhat * sdyx / cnt));
    }
    if (threadIdx.x == 0) {
      dgamma[c] = static_cast<float>(sdyx);
      dbeta[c] = static_cast<float>(sdy);
    }
  }
}

__device__ double sgnD(double x) {
  return static_cast<double>((0 < x) - (x < 0));
}

/// backends/train/losses.cpp's term (grad = false) or its derivative in a (grad = true).
__device__ double lossTerm(PointLoss loss, double beta, double a, double b, bool grad) {
  switch (loss) {
  case PointLoss::L1:
    return grad ? sgnD(a - b) : fabs(a - b);
  case PointLoss::Mse:
    return grad ? 2.0 * (a - b) : (a - b) * (a - b);
  case PointLoss::SmoothL1: {
    double d = a - b, z = fabs(d);
    if (beta == 0.0) return grad ? sgnD(d) : z;
    if (grad) return d < -beta ? -1.0 : (d > beta ? 1.0 : d / beta);
    return z < beta ? 0.5 * d * d / beta : z - 0.5 * beta;
  }
  case PointLoss::Huber: {
    double d = a - b, z = fabs(d);
    if (grad) return d <= -beta ? -beta : (d >= beta ? beta : d);
    return z < beta ? 0.5 * d * d : beta * (z - 0.5 * beta);
  }
  case PointLoss::Bce: {
    if (grad) return 1.0 / (1.0 + exp(-a)) - b;
    double m = fmax(-a, 0.0);
    return (1.0 - b) * a + m + log(exp(-m) + exp(-a - m));
  }
  }
  return 0.0;
}

__global__ void pointLossKernel(PointLoss loss, double beta, const float* a, const float* b,
                                float* y, int64_t n) {
  __shared__ double sh[kThreads];
  double sum = 0;
  for (int64_t i = threadIdx.x; i < n; i += kThreads)
    sum += lossTerm(loss, beta, a[i], b[i], false);
  sum = blockReduce(sum, sh, Sum());
  if (threadIdx.x == 0) y[0] = static_cast<float>(sum / static_cast<double>(n));
}

__global__ void pointLossGradKernel(PointLoss loss, double beta, const float* a, const float* b,
                                    const float* dy, float* da, int64_t n) {
  const double scale = static_cast<double>(*dy) / static_cast<double>(n);
  LLIE_GRID_LOOP(i, n) {
    da[i] = static_cast<float>(scale * lossTerm(loss, beta, a[i], b[i], true));
  }
}

} // namespace

cudaError_t pointLoss(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                      const float* b, float* y, int64_t n) {
  pointLossKernel<<<1, kThreads, 0, stream>>>(loss, beta, a, b, y, n);
  return cudaGetLastError();
}

cudaError_t pointLossGrad(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                          const float* b, const float* dy, float* da, int64_t n) {
  if (n > 0)
    pointLossGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(loss, beta, a, b, dy, da, n);
  return cudaGetLastError();
}

cudaError_t reduce(cudaStream_t stream, ReduceOp op, const float* x, float* y,
                   const GroupGeom& geom) {
  if (geom.groups > 0) {
    unsigned b = groupBlocks(geom.groups);
    switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean:
      reduceKernel<<<b, kThreads, 0, stream>>>(Sum(), 0.0, op == ReduceOp::Mean, x, y, geom);
      break;
    case ReduceOp::Max:
      reduceKernel<<<b, kThreads, 0, stream>>>(Max(), -INFINITY, false, x, y, geom);
      break;
    case ReduceOp::Min:
      reduceKernel<<<b, kThreads, 0, stream>>>(Min(), INFINITY, false, x, y, geom);
      break;
    }
  }
  return cudaGetLastError();
}

cudaError_t softmax(cudaStream_t stream, bool logForm, const float* x, float* y,
                    const GroupGeom& geom) {
  if (geom.groups > 0 && geom.count > 0)
    softmaxKernel<<<groupBlocks(geom.groups), kThreads, 0, stream>>>(logForm, x, y, geom);
  return cudaGetLastError();
}

cudaError_t batchnormInfer(cudaStream_t stream, const float* x, const float* gamma,
                           const float* beta, const float* mean, const float* var, float* y,
                           int64_t outer, int64_t C, int64_t inner, double eps, BnAct act) {
  int64_t n = outer * C * inner;
  if (n > 0)
    bnInferKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, gamma, beta, mean, var, y, C, inner, n,
                                                         eps, act);
  return cudaGetLastError();
}

cudaError_t batchnormTrain(cudaStream_t stream, const float* x, const float* gamma,
                           const float* beta, const float* runMean, const float* runVar, float* y,
                           float* mean, float* var, float* newRunMean, float* newRunVar,
                           int64_t outer, int64_t C, int64_t inner, double eps, double momentum,
                           BnAct act) {
  if (C > 0)
    bnTrainKernel<<<groupBlocks(C), kThreads, 0, stream>>>(x, gamma, beta, runMean, runVar, y, mean,
                                                           var, newRunMean, newRunVar, outer, C,
                                                           inner, eps, momentum, act);
  return cudaGetLastError();
}

cudaError_t batchnormGrad(cudaStream_t stream, const float* x, const float* gamma,
                          const float* mean, const float* var, const float* dy, const float* beta,
                          float* dx, float* dgamma, float* dbeta, int64_t outer, int64_t C,
                          int64_t inner, double eps, BnAct act) {
  if (C > 0)
    bnGradKernel<<<groupBlocks(C), kThreads, 0, stream>>>(x, gamma, mean, var, dy, beta, dx, dgamma,
                                                          dbeta, outer, C, inner, eps, act);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
