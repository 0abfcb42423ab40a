// The launchers of the FFT family's device code (fft.cu), plain types only like device_kernels.h
// (kept apart so that the other .cu files do not depend on it). Complex values are interleaved
// float pairs (llie's c64, cuFFT's cufftComplex). Each enqueues on `stream` and returns
// cudaGetLastError().
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

/// planes × H × W real values into complex ones (imaginary part 0).
cudaError_t realToComplex(cudaStream_t stream, const float* x, float* c, int64_t n);
/// The first Wh columns of a full planes × H × W spectrum, column l scaled by w[l].
cudaError_t keepColumns(cudaStream_t stream, const float* full, float* z, const double* w,
                        int64_t planes, int64_t H, int64_t W, int64_t Wh);
/// The full planes × H × W spectrum whose inverse DFT has, as its real part, the c2r transform
/// of the planes × H × Wh spectrum z weighted by w: column l < Wh is w[l]·z[k, l]; column
/// l >= Wh mirrors column W − l as conj(w[W−l]·z[(H−k) mod H, W−l]).
cudaError_t hermitianExtend(cudaStream_t stream, const float* z, float* full, const double* w,
                            int64_t planes, int64_t H, int64_t W, int64_t Wh);
/// The real parts of n complex values.
cudaError_t realPart(cudaStream_t stream, const float* c, float* y, int64_t n);

} // namespace llie::cuda::dev
