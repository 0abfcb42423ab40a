// OpenMP loop helpers for host kernels that move data without arithmetic: a parallel
// strided gather (out[i] = in[base + sum(idx[d]·stride[d])], the core of permute, slice,
// expand and of materialising a broadcast operand), with unit-stride innermost runs copied
// directly, and a parallel copy.
#pragma once
#include "backends/kernel_util.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

namespace llie::host {

/// Drops size-1 axes and merges axes that are contiguous in the source, so the gather loop
/// runs over as few (and as long) axes as possible.
inline void simplifyGather(kernels::Dims& shape, kernels::Dims& strides) {
  kernels::Dims s, st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s.empty() && st.back() == strides[d] * shape[d]) {
      s.back() *= shape[d];
      st.back() = strides[d];
    } else {
      s.push_back(shape[d]);
      st.push_back(strides[d]);
    }
  }
  if (s.empty()) s = {1}, st = {1};
  shape = std::move(s);
  strides = std::move(st);
}

/// out (contiguous, `shape`) gathers from `in` at base + idx·strides. Call simplifyGather first
/// for speed (optional).
inline void stridedGather(const float* in, float* out, const kernels::Dims& shape,
                          const kernels::Dims& strides, int64_t base) {
  const int64_t r = static_cast<int64_t>(shape.size());
  const int64_t inner = shape[r - 1], innerStride = strides[r - 1];
  const int64_t rows = numel(shape) / std::max<int64_t>(inner, 1);
  if (inner == 0) return;
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t off = base, rem = row;
    for (int64_t d = r - 2; d >= 0; --d) {
      off += (rem % shape[d]) * strides[d];
      rem /= shape[d];
    }
    float* y = out + row * inner;
    const float* x = in + off;
    if (innerStride == 1) std::memcpy(y, x, sizeof(float) * inner);
    else if (innerStride == 0) std::fill(y, y + inner, *x);
    else
      for (int64_t i = 0; i < inner; ++i) y[i] = x[i * innerStride];
  }
}

/// Parallel memcpy of `count` floats (a no-op when the buffers are the same).
inline void parallelCopy(float* dst, const float* src, int64_t count) {
  if (dst == src || count <= 0) return;
  constexpr int64_t kChunk = 1 << 16;
  int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t b = c * kChunk, e = std::min(count, b + kChunk);
    std::memcpy(dst + b, src + b, sizeof(float) * (e - b));
  }
}

} // namespace llie::host
