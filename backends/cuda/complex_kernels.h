// The launchers of the pointwise complex ops' device code (complex.cu), plain types only like
// device_kernels.h (whose Broadcast2 they use). Complex values are interleaved float pairs
// (c64). Each enqueues on `stream` and returns cudaGetLastError().
#pragma once
#include "backends/cuda/device_kernels.h"

namespace llie::cuda::dev {

/// complex_abs (|z|) or complex_angle (atan2(Im, Re)) of n values, in double; 0 at z = 0.
cudaError_t complexToReal(cudaStream_t stream, bool abs, const float* z, float* y, int64_t n);
/// complex_abs_grad (dy·z/|z|) or complex_angle_grad (dy·(−Im z + i·Re z)/|z|²), 0 at z = 0.
cudaError_t complexGrad(cudaStream_t stream, bool abs, const float* z, const float* dy, float* dz,
                        int64_t n);
/// polar(A, Φ) = A·(cos Φ + i sin Φ), A and Φ read through the broadcast strides sa, sb.
cudaError_t polar(cudaStream_t stream, const float* a, const float* phi, float* z,
                  const Broadcast2& s, int64_t n);
/// polar_grad at dz's shape: dA = Re dz·cos Φ + Im dz·sin Φ, dΦ = A·(Im dz·cos Φ − Re dz·sin Φ).
cudaError_t polarGrad(cudaStream_t stream, const float* a, const float* phi, const float* dz,
                      float* da, float* dphi, const Broadcast2& s, int64_t n);

} // namespace llie::cuda::dev
