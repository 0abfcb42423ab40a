// Device code of drop_path_train (launcher declared in device_kernels.h): sample i along axis 0
// is zeroed when u(seed, step, i) < p and otherwise scaled by 1/(1-p), with u the splitmix64 hash
// of backends/train/drop_path.cpp (dropPathUniform) computed bit for bit, so the masks are the
// host backends' exactly. `step` is the f32 scalar on the device, rounded as the host rounds it
// (llround).
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

/// runtime/rng.h's splitmix64: advances `state`, returns the mixed value.
__device__ uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// backends/train/drop_path.cpp's dropPathUniform: u in [0, 1) from (seed, step, sample).
__device__ double dropPathUniform(int64_t seed, int64_t step, int64_t sample) {
  uint64_t s = static_cast<uint64_t>(seed);
  uint64_t h = splitmix64(s);
  s = h ^ static_cast<uint64_t>(step);
  h = splitmix64(s);
  s = h ^ static_cast<uint64_t>(sample);
  h = splitmix64(s);
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

__global__ void dropPathKernel(const float* x, const float* stepScalar, float* y, int64_t n,
                               int64_t per, double p, int64_t seed, float scale) {
  const int64_t step = llround(static_cast<double>(*stepScalar));
  LLIE_GRID_LOOP(k, n) {
    const int64_t i = k / per;
    const bool keep = p <= 0 || (p < 1 && dropPathUniform(seed, step, i) >= p);
    const float f = p <= 0 ? 1.f : (keep ? scale : 0.f);
    y[k] = x[k] * f;
  }
}

} // namespace

cudaError_t dropPathTrain(cudaStream_t stream, const float* x, const float* step, float* y,
                          int64_t n, int64_t perSample, double p, int64_t seed, float scale) {
  if (n > 0 && perSample > 0)
    dropPathKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, step, y, n, perSample, p, seed, scale);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
