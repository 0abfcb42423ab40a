// Device code of the reduction families (launchers declared in device_kernels.h): reductions
// over any set of axes, softmax / log-softmax over any set of axes, and batch normalisation
// (inference, training statistics and output, training backward), and the pointwise losses with
// their gradients. Sums accumulate in double and are deterministic run to run: a block combines
// its threads' partials by a fixed tree in shared memory, and where a group is large against the
// number of groups (a batchnorm channel, a loss, a bias gradient) it is split into chunks fixed by
// the shape alone (splitFor), one block per chunk, whose partials are then added in chunk order;
// formulas follow the reference backend (backends/reference/reduce.cpp, softmax.cpp,
// batchnorm*.cpp).
#include "backends/cuda/device_common.cuh"

#include <math.h>

#include <algorithm>

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

/// One block per group, for groups small against their number (no split).
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

/// Group `grp`'s chunk `s` of a split reduction: its index range within the group.
struct ChunkRange {
  int64_t begin, end;
};
__device__ inline ChunkRange chunkOf(const Split& sp, int64_t count, int64_t s) {
  int64_t b = s * sp.chunk, e = b + sp.chunk;
  return {b, e < count ? e : count};
}

/// part[grp * splits + s] = op over chunk s of group grp (one block per chunk).
template <class Op>
__global__ void reducePartialsKernel(Op op, double init, const float* x, double* part, GroupGeom g,
                                     Split sp) {
  __shared__ double sh[kThreads];
  for (int64_t b = blockIdx.x; b < g.groups * sp.splits; b += gridDim.x) {
    const int64_t grp = b / sp.splits;
    const ChunkRange r = chunkOf(sp, g.count, b % sp.splits);
    const int64_t base = offsetOf(grp, g.keptRank, g.kdims, g.kstrides);
    double acc = init;
    for (int64_t i = r.begin + threadIdx.x; i < r.end; i += kThreads)
      acc = op(acc, static_cast<double>(x[base + offsetOf(i, g.redRank, g.rdims, g.rstrides)]));
    acc = blockReduce(acc, sh, op);
    if (threadIdx.x == 0) part[b] = acc;
  }
}

/// The chunks' partials of group `grp` combined in chunk order.
template <class Op>
__device__ double combineChunks(Op op, double init, const double* part, int64_t grp,
                                int64_t splits) {
  double acc = init;
  for (int64_t s = 0; s < splits; ++s)
    acc = op(acc, part[grp * splits + s]);
  return acc;
}

template <class Op>
__global__ void reduceFinishKernel(Op op, double init, bool mean, const double* part, float* y,
                                   int64_t groups, int64_t count, int64_t splits) {
  LLIE_GRID_LOOP(grp, groups) {
    double acc = combineChunks(op, init, part, grp, splits);
    y[grp] = static_cast<float>(mean ? acc / static_cast<double>(count) : acc);
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

/// The loop of the batchnorms' elementwise passes over x viewed as planes [outer·C] of `inner`
/// values: plane p along the grid's y, its values along x, its channel c found once per plane (no
/// division per element). Launched on planeGrid's grid.
#define LLIE_PLANE_LOOP(p, c, i, planes, C, inner)                                                 \
  for (int64_t p = blockIdx.y; p < (planes); p += gridDim.y)                                       \
    for (int64_t c = p % (C), i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (inner);     \
         i += int64_t(gridDim.x) * blockDim.x)

__global__ void bnInferKernel(const float* x, const float* gamma, const float* beta,
                              const float* mean, const float* var, float* y, int64_t planes,
                              int64_t C, int64_t inner, double eps, BnAct act) {
  LLIE_PLANE_LOOP(p, c, i, planes, C, inner) {
    const int64_t k = p * inner + i;
    double inv = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    y[k] = static_cast<float>(
        bnActivate(act, (x[k] - static_cast<double>(mean[c])) * inv * gamma[c] + beta[c]));
  }
}

/// Calls f(k) for the offsets k of channel c's elements j in [r.begin, r.end) of x viewed as
/// [outer, C, inner], thread by thread (j = begin + threadIdx.x, then by kThreads), one plane's
/// run at a time: a division per run, not per element.
template <class F>
__device__ void forChannelRange(ChunkRange r, int64_t c, int64_t C, int64_t inner, F f) {
  for (int64_t j = r.begin; j < r.end;) {
    const int64_t o = j / inner, planeEnd = (o + 1) * inner;
    const int64_t end = planeEnd < r.end ? planeEnd : r.end;
    const int64_t shift = (o * C + c) * inner - o * inner; // k = j + shift within plane (o, c)
    for (int64_t jj = j + threadIdx.x; jj < end; jj += kThreads)
      f(jj + shift);
    j = end;
  }
}

/// Batchnorm training statistics, pass 1 (stage 0) and 2 (stage 1): per chunk of a channel the
/// sum of x, or of (x - mu)^2 with mu from pass 1's partials (the two-pass variance, as the
/// reference backend computes it).
__global__ void bnStatsPartialsKernel(int stage, const float* x, double* part, int64_t outer,
                                      int64_t C, int64_t inner, Split sp) {
  __shared__ double sh[kThreads];
  const int64_t count = outer * inner;
  for (int64_t b = blockIdx.x; b < C * sp.splits; b += gridDim.x) {
    const int64_t c = b / sp.splits;
    const ChunkRange r = chunkOf(sp, count, b % sp.splits);
    const double mu =
        stage == 0 || count == 0 ? 0.0 : combineChunks(Sum(), 0.0, part, c, sp.splits) / count;
    double acc = 0;
    forChannelRange(r, c, C, inner, [&](int64_t k) {
      double v = x[k];
      acc += stage == 0 ? v : (v - mu) * (v - mu);
    });
    acc = blockReduce(acc, sh, Sum());
    if (threadIdx.x == 0) part[C * sp.splits * stage + b] = acc;
  }
}

/// Per channel: the statistics outputs and, in `stats`, mu and 1/sqrt(var + eps) in double.
__global__ void bnTrainFinishKernel(const double* part, const float* rm, const float* rv,
                                    float* mean, float* var, float* nrm, float* nrv, double* stats,
                                    int64_t C, int64_t count, Split sp, double eps, double m) {
  LLIE_GRID_LOOP(c, C) {
    double mu = count ? combineChunks(Sum(), 0.0, part, c, sp.splits) / count : 0.0;
    double v = count ? combineChunks(Sum(), 0.0, part + C * sp.splits, c, sp.splits) / count : 0.0;
    double unbiased = count > 1 ? v * count / (count - 1) : v;
    mean[c] = static_cast<float>(mu);
    var[c] = static_cast<float>(v);
    nrm[c] = static_cast<float>((1 - m) * rm[c] + m * mu);
    nrv[c] = static_cast<float>((1 - m) * rv[c] + m * unbiased);
    stats[2 * c] = mu;
    stats[2 * c + 1] = 1.0 / sqrt(v + eps);
  }
}

__global__ void bnTrainApplyKernel(const float* x, const float* gamma, const float* beta,
                                   const double* stats, float* y, int64_t planes, int64_t C,
                                   int64_t inner, BnAct act) {
  LLIE_PLANE_LOOP(p, c, i, planes, C, inner) {
    const int64_t k = p * inner + i;
    y[k] = static_cast<float>(
        bnActivate(act, (x[k] - stats[2 * c]) * stats[2 * c + 1] * gamma[c] + beta[c]));
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

/// Batchnorm backward, pass 1: per chunk of a channel, the sums of g and of g * x̂ (g: dy masked
/// by the epilogue) into part[0 .. C·splits) and part[C·splits .. 2·C·splits).
__global__ void bnGradPartialsKernel(const float* x, const float* gamma, const float* mean,
                                     const float* var, const float* dy, const float* beta,
                                     double* part, int64_t outer, int64_t C, int64_t inner,
                                     Split sp, double eps, BnAct act) {
  __shared__ double sh[kThreads];
  const int64_t count = outer * inner;
  for (int64_t b = blockIdx.x; b < C * sp.splits; b += gridDim.x) {
    const int64_t c = b / sp.splits;
    const ChunkRange r = chunkOf(sp, count, b % sp.splits);
    double inv = 1.0 / sqrt(static_cast<double>(var[c]) + eps), mu = mean[c];
    double sdy = 0, sdyx = 0;
    forChannelRange(r, c, C, inner, [&](int64_t k) {
      double g = bnMaskedDy(act, x, gamma, beta, mean, inv, dy, k, c);
      sdy += g;
      sdyx += g * (x[k] - mu) * inv;
    });
    sdy = blockReduce(sdy, sh, Sum());
    sdyx = blockReduce(sdyx, sh, Sum());
    if (threadIdx.x == 0) {
      part[b] = sdy;
      part[C * sp.splits + b] = sdyx;
    }
  }
}

/// Per channel: dbeta = Σ g, dgamma = Σ g·x̂, also kept in double in `sums`.
__global__ void bnGradFinishKernel(const double* part, float* dgamma, float* dbeta, double* sums,
                                   int64_t C, Split sp) {
  LLIE_GRID_LOOP(c, C) {
    double sdy = combineChunks(Sum(), 0.0, part, c, sp.splits);
    double sdyx = combineChunks(Sum(), 0.0, part + C * sp.splits, c, sp.splits);
    dgamma[c] = static_cast<float>(sdyx);
    dbeta[c] = static_cast<float>(sdy);
    sums[2 * c] = sdy;
    sums[2 * c + 1] = sdyx;
  }
}

__global__ void bnGradApplyKernel(const float* x, const float* gamma, const float* mean,
                                  const float* var, const float* dy, const float* beta,
                                  const double* sums, float* dx, int64_t planes, int64_t C,
                                  int64_t inner, int64_t count, double eps, BnAct act) {
  const double cnt = static_cast<double>(count);
  LLIE_PLANE_LOOP(p, c, i, planes, C, inner) {
    const int64_t k = p * inner + i;
    double inv = 1.0 / sqrt(static_cast<double>(var[c]) + eps);
    double g = bnMaskedDy(act, x, gamma, beta, mean, inv, dy, k, c);
    double xhat = (x[k] - static_cast<double>(mean[c])) * inv;
    dx[k] =
        static_cast<float>(gamma[c] * inv * (g - sums[2 * c] / cnt - xhat * sums[2 * c + 1] / cnt));
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

/// The pointwise loss, pass 1: per chunk the sum of its terms.
__global__ void pointLossPartialsKernel(PointLoss loss, double beta, const float* a, const float* b,
                                        double* part, int64_t n, Split sp) {
  __shared__ double sh[kThreads];
  for (int64_t blk = blockIdx.x; blk < sp.splits; blk += gridDim.x) {
    const ChunkRange r = chunkOf(sp, n, blk);
    double sum = 0;
    for (int64_t i = r.begin + threadIdx.x; i < r.end; i += kThreads)
      sum += lossTerm(loss, beta, a[i], b[i], false);
    sum = blockReduce(sum, sh, Sum());
    if (threadIdx.x == 0) part[blk] = sum;
  }
}

__global__ void pointLossGradKernel(PointLoss loss, double beta, const float* a, const float* b,
                                    const float* dy, float* da, int64_t n) {
  const double scale = static_cast<double>(*dy) / static_cast<double>(n);
  LLIE_GRID_LOOP(i, n) {
    da[i] = static_cast<float>(scale * lossTerm(loss, beta, a[i], b[i], true));
  }
}

} // namespace

/// The grid of LLIE_PLANE_LOOP: planes along y (at most 65535, the loop strides), about four
/// values per thread along x.
dim3 planeGrid(int64_t planes, int64_t inner) {
  const int64_t x = (inner + 4 * kThreads - 1) / (4 * kThreads);
  return dim3(static_cast<unsigned>(std::min<int64_t>(std::max<int64_t>(x, 1), 65535)),
              static_cast<unsigned>(std::min<int64_t>(std::max<int64_t>(planes, 1), 65535)));
}

cudaError_t pointLoss(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                      const float* b, float* y, int64_t n, double* ws) {
  const Split sp = splitFor(1, n);
  if (n > 0)
    pointLossPartialsKernel<<<groupBlocks(sp.splits), kThreads, 0, stream>>>(loss, beta, a, b, ws,
                                                                             n, sp);
  reduceFinishKernel<<<1, kThreads, 0, stream>>>(Sum(), 0.0, true, ws, y, 1, n,
                                                 n > 0 ? sp.splits : 0);
  return cudaGetLastError();
}

cudaError_t pointLossGrad(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                          const float* b, const float* dy, float* da, int64_t n) {
  if (n > 0)
    pointLossGradKernel<<<blocksFor(n), kThreads, 0, stream>>>(loss, beta, a, b, dy, da, n);
  return cudaGetLastError();
}

cudaError_t reduce(cudaStream_t stream, ReduceOp op, const float* x, float* y,
                   const GroupGeom& geom, double* ws) {
  if (geom.groups <= 0) return cudaSuccess;
  const Split sp = splitFor(geom.groups, geom.count);
  const unsigned parts = groupBlocks(geom.groups * sp.splits), fin = blocksFor(geom.groups);
  auto run = [&](auto fn, double init, bool mean) {
    if (sp.splits == 1) { // (no workspace then: see reduceBytes)
      reduceKernel<<<groupBlocks(geom.groups), kThreads, 0, stream>>>(fn, init, mean, x, y, geom);
      return;
    }
    reducePartialsKernel<<<parts, kThreads, 0, stream>>>(fn, init, x, ws, geom, sp);
    reduceFinishKernel<<<fin, kThreads, 0, stream>>>(fn, init, mean, ws, y, geom.groups, geom.count,
                                                     sp.splits);
  };
  switch (op) {
  case ReduceOp::Sum:
  case ReduceOp::Mean:
    run(Sum(), 0.0, op == ReduceOp::Mean);
    break;
  case ReduceOp::Max:
    run(Max(), -INFINITY, false);
    break;
  case ReduceOp::Min:
    run(Min(), INFINITY, false);
    break;
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
    bnInferKernel<<<planeGrid(outer * C, inner), kThreads, 0, stream>>>(
        x, gamma, beta, mean, var, y, outer * C, C, inner, eps, act);
  return cudaGetLastError();
}

cudaError_t batchnormTrain(cudaStream_t stream, const float* x, const float* gamma,
                           const float* beta, const float* runMean, const float* runVar, float* y,
                           float* mean, float* var, float* newRunMean, float* newRunVar,
                           int64_t outer, int64_t C, int64_t inner, double eps, double momentum,
                           BnAct act, double* ws) {
  if (C <= 0) return cudaSuccess;
  const int64_t count = outer * inner, n = C * count;
  const Split sp = splitFor(C, count);
  double* stats = ws + 2 * C * sp.splits;
  const unsigned parts = groupBlocks(C * sp.splits);
  bnStatsPartialsKernel<<<parts, kThreads, 0, stream>>>(0, x, ws, outer, C, inner, sp);
  bnStatsPartialsKernel<<<parts, kThreads, 0, stream>>>(1, x, ws, outer, C, inner, sp);
  bnTrainFinishKernel<<<blocksFor(C), kThreads, 0, stream>>>(
      ws, runMean, runVar, mean, var, newRunMean, newRunVar, stats, C, count, sp, eps, momentum);
  if (n > 0)
    bnTrainApplyKernel<<<planeGrid(outer * C, inner), kThreads, 0, stream>>>(
        x, gamma, beta, stats, y, outer * C, C, inner, act);
  return cudaGetLastError();
}

cudaError_t batchnormGrad(cudaStream_t stream, const float* x, const float* gamma,
                          const float* mean, const float* var, const float* dy, const float* beta,
                          float* dx, float* dgamma, float* dbeta, int64_t outer, int64_t C,
                          int64_t inner, double eps, BnAct act, double* ws) {
  if (C <= 0) return cudaSuccess;
  const int64_t count = outer * inner, n = C * count;
  const Split sp = splitFor(C, count);
  double* sums = ws + 2 * C * sp.splits;
  bnGradPartialsKernel<<<groupBlocks(C * sp.splits), kThreads, 0, stream>>>(
      x, gamma, mean, var, dy, beta, ws, outer, C, inner, sp, eps, act);
  bnGradFinishKernel<<<blocksFor(C), kThreads, 0, stream>>>(ws, dgamma, dbeta, sums, C, sp);
  if (n > 0)
    bnGradApplyKernel<<<planeGrid(outer * C, inner), kThreads, 0, stream>>>(
        x, gamma, mean, var, dy, beta, sums, dx, outer * C, C, inner, count, eps, act);
  return cudaGetLastError();
}

Split splitFor(int64_t groups, int64_t count) {
  // About kSplitBlocks blocks in all, each chunk at least kMinChunk values.
  constexpr int64_t kSplitBlocks = 1024, kMinChunk = 8 * kThreads;
  const int64_t want = std::max<int64_t>(1, kSplitBlocks / std::max<int64_t>(groups, 1));
  const int64_t most = std::max<int64_t>(1, count / kMinChunk);
  const int64_t splits = std::min(want, most);
  const int64_t chunk = std::max<int64_t>(1, (count + splits - 1) / splits);
  return {std::max<int64_t>(1, (count + chunk - 1) / chunk), chunk};
}

size_t reduceBytes(const GroupGeom& geom) {
  const Split sp = splitFor(geom.groups, geom.count);
  return sp.splits == 1 ? 0 : sizeof(double) * geom.groups * sp.splits;
}

size_t splitReduceBytes(int64_t groups, int64_t count) {
  // Two partials per chunk and two results per group, in double.
  return sizeof(double) * 2 * std::max<int64_t>(groups, 1) * (splitFor(groups, count).splits + 1);
}

} // namespace llie::cuda::dev
