// The launchers of the classification losses' device code (class_losses.cu), plain types only
// like device_kernels.h (kept apart so that the other .cu files do not depend on it). Each
// enqueues on `stream` and returns cudaGetLastError().
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

/// The logits as outer × K × inner around the class axis, and the loss: cross_entropy against a
/// distribution t of the logits' shape (f32) or against class indices (`indices`: t is int64,
/// one per sample, sample s = o·inner + i; an index outside [0, K) gives NaN), with label
/// smoothing eps; or kl_div against teacher logits t (temperature tau). Semantics and formulas:
/// backends/train/class_losses.cpp.
struct ClassLossGeom {
  int64_t outer = 1, classes = 1, inner = 1;
  bool kl = false, indices = false;
  double eps = 0.0, tau = 1.0;
};

/// y[0] = the mean over samples of each sample's loss, in double: one block, each thread summing
/// a fixed set of samples, combined by a fixed tree (deterministic).
cudaError_t classLoss(cudaStream_t stream, const float* z, const void* t, float* y,
                      const ClassLossGeom& g);
/// dz = (dy / samples) · d loss / dz, one thread per sample; dy is the device scalar `dy`.
cudaError_t classLossGrad(cudaStream_t stream, const float* z, const void* t, const float* dy,
                          float* dz, const ClassLossGeom& g);

} // namespace llie::cuda::dev
