// Device code of the selection reductions (launchers declared in device_kernels.h), the host
// kernels of backends/train/select_reductions.cpp on the device: argmax, one thread per index,
// the host's loop as it is (the first maximum, or the first NaN, which ends the scan); and
// kth_value, one block per group, as an exact radix select. Each float maps to a 32-bit key
// whose unsigned order is the NaN-last order of PyTorch's kthvalue (−0 and +0 one key, every
// NaN the largest); four passes of 8 bits each count the group's keys that share the prefix
// chosen so far in a 256-bin histogram in shared memory (integer atomics: exact counts) and fix
// the next 8 bits of the k-th smallest key. The result is the first element, in the group's
// row-major order, that holds that key: a value std::nth_element can return (it equals the
// host's value; only the sign of a zero or a NaN's payload can differ from the host's choice).
#include "backends/cuda/device_common.cuh"

#include <math.h>

namespace llie::cuda::dev {
namespace {

__global__ void argmaxKernel(const float* x, int64_t* idx, int64_t outer, int64_t len,
                             int64_t inner) {
  const int64_t n = outer * inner;
  LLIE_GRID_LOOP(s, n) {
    const float* v = x + (s / inner) * len * inner + s % inner;
    int64_t best = 0;
    for (int64_t k = 1; k < len && !isnan(v[best * inner]); ++k)
      if (isnan(v[k * inner]) || v[k * inner] > v[best * inner]) best = k;
    idx[s] = best;
  }
}

/// A key whose unsigned order is the NaN-last float order: negative floats reversed below the
/// non-negative ones, −0 folded onto +0, every NaN above +inf.
__device__ unsigned orderKey(float f) {
  if (isnan(f)) return 0xFFFFFFFFu;
  if (f == 0.f) return 0x80000000u; // +0's key, for −0 too
  const unsigned u = __float_as_uint(f);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__global__ void kthValueKernel(const float* x, float* y, GroupGeom g, int64_t k) {
  __shared__ unsigned long long hist[256];
  __shared__ unsigned prefixSh;
  __shared__ long long rankSh;
  __shared__ long long firstSh[kThreads];
  for (int64_t grp = blockIdx.x; grp < g.groups; grp += gridDim.x) {
    const float* base = x + offsetOf(grp, g.keptRank, g.kdims, g.kstrides);
    unsigned prefix = 0, mask = 0;
    long long rank = k; // the wanted key's rank (1-based) among those sharing the prefix
    for (int shift = 24; shift >= 0; shift -= 8) {
      for (int b = threadIdx.x; b < 256; b += blockDim.x)
        hist[b] = 0;
      __syncthreads();
      for (int64_t r = threadIdx.x; r < g.count; r += blockDim.x) {
        const unsigned key = orderKey(base[offsetOf(r, g.redRank, g.rdims, g.rstrides)]);
        if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 0xFFu], 1ull);
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        long long below = 0;
        int b = 0;
        for (; b < 255; ++b) { // the bin where the running count reaches the rank
          if (below + static_cast<long long>(hist[b]) >= rank) break;
          below += static_cast<long long>(hist[b]);
        }
        prefixSh = prefix | (static_cast<unsigned>(b) << shift);
        rankSh = rank - below;
      }
      __syncthreads();
      prefix = prefixSh, rank = rankSh;
      mask |= 0xFFu << shift;
      __syncthreads(); // everyone has read prefixSh / rankSh before the next pass
    }
    // The first element holding the selected key: each thread's first, then the smallest.
    long long first = g.count;
    for (int64_t r = threadIdx.x; r < g.count; r += blockDim.x)
      if (orderKey(base[offsetOf(r, g.redRank, g.rdims, g.rstrides)]) == prefix) {
        first = r;
        break;
      }
    firstSh[threadIdx.x] = first;
    __syncthreads();
    for (int s = kThreads / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s && firstSh[threadIdx.x + s] < firstSh[threadIdx.x])
        firstSh[threadIdx.x] = firstSh[threadIdx.x + s];
      __syncthreads();
    }
    if (threadIdx.x == 0)
      y[grp] = firstSh[0] < g.count ? base[offsetOf(firstSh[0], g.redRank, g.rdims, g.rstrides)]
                                    : __uint_as_float(0x7FC00000u); // unreachable: k <= count
    __syncthreads(); // firstSh is rewritten by the next group
  }
}

} // namespace

cudaError_t argmax(cudaStream_t stream, const float* x, int64_t* idx, int64_t outer, int64_t K,
                   int64_t inner) {
  const int64_t n = outer * inner;
  if (n > 0 && K > 0) argmaxKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, idx, outer, K, inner);
  return cudaGetLastError();
}

cudaError_t kthValue(cudaStream_t stream, const float* x, float* y, const GroupGeom& geom,
                     int64_t k) {
  if (geom.groups > 0 && geom.count > 0 && k >= 1 && k <= geom.count)
    kthValueKernel<<<groupBlocks(geom.groups), kThreads, 0, stream>>>(x, y, geom, k);
  return cudaGetLastError();
}

} // namespace llie::cuda::dev
