// Device code of cross_entropy (distribution or class-index targets), kl_div and class_loss_grad
// (launchers in class_loss_kernels.h): backends/train/class_losses.cpp's per-sample formulas, in
// double. Per sample, log softmax is z − logsumexp(z) with the maximum subtracted first; with the
// smoothed target t̃ = (1 − ε)·t + ε/K:
//   cross_entropy   −Σ_k t̃_k log p_k;                      d/dz_k = (Σ t̃)·p_k − t̃_k
//   kl_div          τ²·Σ_k q_k (log q_k − log p_k), p = softmax(z/τ), q = softmax(t/τ);
//                                                          d/dz_k = τ·(p_k − q_k)
// The loss is one block's fixed-tree sum over samples (deterministic, a single block, like the
// pointwise losses); the gradient is one thread per sample.
#include "backends/cuda/class_loss_kernels.h"
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

__device__ int64_t baseOf(const ClassLossGeom& g, int64_t s) {
  return (s / g.inner) * g.classes * g.inner + s % g.inner;
}

/// log Σ_k exp(z_k / τ) over one sample's classes (z at its class 0).
__device__ double logSumExp(const float* z, const ClassLossGeom& g, double tau) {
  double m = -INFINITY;
  for (int64_t k = 0; k < g.classes; ++k) {
    double v = static_cast<double>(z[k * g.inner]) / tau;
    m = m < v ? v : m;
  }
  if (!isfinite(m)) return m;
  double s = 0;
  for (int64_t k = 0; k < g.classes; ++k)
    s += exp(static_cast<double>(z[k * g.inner]) / tau - m);
  return m + log(s);
}

/// The smoothed target of one sample at class k: class index c (t == nullptr) or distribution t.
__device__ double smoothed(const ClassLossGeom& g, const float* t, int64_t c, int64_t k) {
  const double tk = t ? static_cast<double>(t[k * g.inner]) : (k == c ? 1.0 : 0.0);
  return (1.0 - g.eps) * tk + g.eps / static_cast<double>(g.classes);
}

/// One sample's loss; z and t point at its class 0 (t null with class indices, c the index).
__device__ double sampleLoss(const ClassLossGeom& g, const float* z, const float* t, int64_t c) {
  if (g.kl) {
    const double ls = logSumExp(z, g, g.tau), lt = logSumExp(t, g, g.tau);
    double sum = 0;
    for (int64_t k = 0; k < g.classes; ++k) {
      const double logq = static_cast<double>(t[k * g.inner]) / g.tau - lt;
      const double logp = static_cast<double>(z[k * g.inner]) / g.tau - ls;
      sum += exp(logq) * (logq - logp);
    }
    return g.tau * g.tau * sum;
  }
  if (!t && (c < 0 || c >= g.classes)) return NAN;
  const double lse = logSumExp(z, g, 1.0);
  double sum = 0;
  for (int64_t k = 0; k < g.classes; ++k)
    sum -= smoothed(g, t, c, k) * (static_cast<double>(z[k * g.inner]) - lse);
  return sum;
}

/// Sample s's distribution (or teacher logits) at its class 0, or null and its class index.
__device__ const float* targetOf(const ClassLossGeom& g, const void* t, int64_t s, int64_t& c) {
  c = -1;
  if (g.indices) {
    c = static_cast<const int64_t*>(t)[s];
    return nullptr;
  }
  return static_cast<const float*>(t) + baseOf(g, s);
}

__global__ void classLossKernel(const float* z, const void* t, float* y, ClassLossGeom g) {
  __shared__ double sh[kThreads];
  const int64_t count = g.outer * g.inner;
  double sum = 0;
  for (int64_t s = threadIdx.x; s < count; s += kThreads) {
    int64_t c;
    const float* ts = targetOf(g, t, s, c);
    sum += sampleLoss(g, z + baseOf(g, s), ts, c);
  }
  sh[threadIdx.x] = sum;
  __syncthreads();
  for (int w = kThreads / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0)
    y[0] = static_cast<float>(count > 0 ? sh[0] / static_cast<double>(count) : NAN);
}

__global__ void classLossGradKernel(const float* z, const void* t, const float* dy, float* dz,
                                    ClassLossGeom g) {
  const int64_t count = g.outer * g.inner;
  const double scale = static_cast<double>(*dy) / static_cast<double>(count);
  LLIE_GRID_LOOP(s, count) {
    const int64_t b = baseOf(g, s);
    int64_t c;
    const float* zs = z + b;
    const float* ts = targetOf(g, t, s, c);
    float* d = dz + b;
    if (g.kl) {
      const double ls = logSumExp(zs, g, g.tau), lt = logSumExp(ts, g, g.tau);
      for (int64_t k = 0; k < g.classes; ++k) {
        const double p = exp(static_cast<double>(zs[k * g.inner]) / g.tau - ls);
        const double q = exp(static_cast<double>(ts[k * g.inner]) / g.tau - lt);
        d[k * g.inner] = static_cast<float>(scale * g.tau * (p - q));
      }
      continue;
    }
    const bool bad = !ts && (c < 0 || c >= g.classes);
    const double lse = logSumExp(zs, g, 1.0);
    double total = 0; // Σ_k t̃_k: 1 unless the target distribution is not normalised
    for (int64_t k = 0; k < g.classes; ++k)
      total += smoothed(g, ts, c, k);
    for (int64_t k = 0; k < g.classes; ++k) {
      const double p = exp(static_cast<double>(zs[k * g.inner]) - lse);
      const double grad = total * p - smoothed(g, ts, c, k);
      d[k * g.inner] = static_cast<float>(bad ? NAN : scale * grad);
    }
  }
}

} // namespace

cudaError_t classLoss(cudaStream_t stream, const float* z, const void* t, float* y,
                      const ClassLossGeom& g) {
  classLossKernel<<<1, kThreads, 0, stream>>>(z, t, y, g);
  return cudaGetLastError();
}

cudaError_t classLossGrad(cudaStream_t stream, const float* z, const void* t, const float* dy,
                          float* dz, const ClassLossGeom& g) {
  const int64_t count = g.outer * g.inner;
  if (count > 0 && g.classes > 0)
    classLossGradKernel<<<blocksFor(count), kThreads, 0, stream>>>(z, t, dy, dz, g);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
