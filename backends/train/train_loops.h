// Loop helpers private to the training kernels (backends/train/*.cpp): NumPy broadcasting of N
// operands to an output shape, with size-1 axes dropped and axes that are contiguous in every
// operand merged at prepare time, run as OpenMP-parallel runs of the innermost axis; a flat
// parallel elementwise loop; and the reading of f32 scalar tensors (lr, step, dy of a loss).
#pragma once
#include "backends/kernel_util.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace llie::train {

using kernels::Dims;

/// Loops over fewer elements than this run on one thread.
inline constexpr int64_t kParallelMin = 1 << 15;

/// Each operand's broadcast strides over `y` (NumPy rules), with size-1 axes dropped and axes
/// that are contiguous in every operand merged into `shape` (rank >= 1); false when some operand
/// does not broadcast. Broadcast<N> and the fused-elementwise kernel both read operands so.
inline bool mergedBroadcast(const std::vector<Dims>& ins, const Dims& y, Dims& shape,
                            std::vector<Dims>& strides) {
  const size_t n = ins.size();
  std::vector<Dims> st(n);
  for (size_t k = 0; k < n; ++k)
    if (ins[k].size() > y.size() ||
        !kernels::broadcastStrides(kernels::padLeft(ins[k], y.size()), y, st[k]))
      return false;
  shape.clear();
  strides.assign(n, {});
  for (size_t d = 0; d < y.size(); ++d) {
    if (y[d] == 1) continue;
    bool merge = !shape.empty();
    for (size_t k = 0; k < n && merge; ++k)
      merge = strides[k].back() == st[k][d] * y[d];
    if (merge) {
      shape.back() *= y[d];
      for (size_t k = 0; k < n; ++k)
        strides[k].back() = st[k][d];
    } else {
      shape.push_back(y[d]);
      for (size_t k = 0; k < n; ++k)
        strides[k].push_back(st[k][d]);
    }
  }
  if (shape.empty()) {
    shape = {1};
    for (auto& s : strides)
      s = {0};
  }
  return true;
}

/// N operands read with broadcast strides over a (simplified) output shape.
template <size_t N> struct Broadcast {
  Dims shape{1};               ///< merged output shape, rank >= 1
  std::array<Dims, N> strides; ///< per operand, over `shape` (0 along broadcast axes)
  int64_t count = 0;           ///< output elements

  /// False when some operand does not broadcast (NumPy rules) to `y`.
  bool init(const std::array<Dims, N>& ins, const Dims& y) {
    std::vector<Dims> merged;
    if (!mergedBroadcast(std::vector<Dims>(ins.begin(), ins.end()), y, shape, merged)) return false;
    std::copy(merged.begin(), merged.end(), strides.begin());
    count = numel(y);
    return true;
  }

  /// Calls f(yOffset, operandOffsets, innerStrides, length) for runs of the innermost axis (of
  /// at most 4096 elements each), in parallel when the output is large. The runs partition the
  /// output; yOffset is the run's first output element.
  template <class F> void forEachRun(F&& f) const {
    if (count == 0) return;
    const int64_t r = static_cast<int64_t>(shape.size());
    const int64_t inner = shape[r - 1];
    const int64_t rows = count / inner;
    constexpr int64_t kChunk = 4096;
    const int64_t perRow = (inner + kChunk - 1) / kChunk;
    const int64_t tasks = rows * perRow;
    std::array<int64_t, N> is;
    for (size_t k = 0; k < N; ++k)
      is[k] = strides[k][r - 1];
#pragma omp parallel for schedule(static) if (count > kParallelMin)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t row = t / perRow, c0 = (t % perRow) * kChunk;
      const int64_t len = std::min(kChunk, inner - c0);
      std::array<int64_t, N> off{};
      int64_t rem = row;
      for (int64_t d = r - 2; d >= 0; --d) {
        const int64_t i = rem % shape[d];
        rem /= shape[d];
        for (size_t k = 0; k < N; ++k)
          off[k] += i * strides[k][d];
      }
      for (size_t k = 0; k < N; ++k)
        off[k] += c0 * is[k];
      f(row * inner + c0, off, is, len);
    }
  }
};

/// f(i) for i in [0, count), in parallel when count is large.
template <class F> inline void parallelFor(int64_t count, F&& f) {
#pragma omp parallel for schedule(static) if (count > kParallelMin)
  for (int64_t i = 0; i < count; ++i)
    f(i);
}

/// The value of a one-element f32 tensor (a scalar).
inline float scalarOf(const Tensor* t) {
  return t->f32()[0];
}

} // namespace llie::train
