// The launchers of the classification losses' device code (class_losses.cu), plain types only
// like device_kernels.h (kept apart so that the other .cu files do not depend on it). Each
// enqueues on `stream` and returns cudaGetLastError().
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

/// The logits as outer × K × inner around the class axis, and the loss: cross_entropy against a
/// distribution t of the logits' shape (label smoothing eps) or kl_div against teacher logits t
/// (temperature tau). Semantics and formulas: backends/train/class_losses.cpp.
struct ClassLossGeom {
  int64_t outer = 1, classes = 1, inner = 1;
  bool kl = false;
  double eps = 0.0, tau = 1.0;
};

/// y[0] = the mean over samples of each sample's loss, in double: one block, each thread summing
/// a fixed set of samples, combined by a fixed tree (deterministic).
cudaError_t classLoss(cudaStream_t stream, const float* z, const float* t, float* y,
                      const ClassLossGeom& g);
/// dz = (dy / samples) · d loss / dz, one thread per sample; dy is the device scalar `dy`.
cudaError_t classLossGrad(cudaStream_t stream, const float* z, const float* t, const float* dy,
                          float* dz, const ClassLossGeom& g);

} // namespace llie::cuda::dev
