// cpu reductions sum, mean, max, min as OpenMP host loops (oneDNN's reduction primitive is a
// slow reference loop when the reduced axes are not innermost, e.g. a bias gradient summing
// [N, C, H, W] over N, H and W). At prepare time the input's axes are merged into alternating
// groups of reduced and kept axes (size-1 axes dropped); the input is then walked in order as
// rows of the last group. A reduced last group is summed along the row in eight float lanes
// flushed into a double every 1024 elements; a kept last group is added element by element into
// the output row. Sums and means accumulate in double and round once. Threads split the first
// group: kept, they own disjoint outputs; reduced, each fills its own partial result and the
// partials are combined in thread order (deterministic for a given thread count). When nothing
// is actually reduced the kernel is a copy. An input the cpu backend keeps channels-last
// (layout.h) is walked as the NHWC tensor [N, H, W, C] it is in memory, over the same axes; the
// analysis lets a reduction read it only when its plain result comes out in the same order.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/host_data_movement.h"
#include "backends/simd_clones.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace llie::cpu {
namespace {

enum class Red { Sum, Mean, Max, Min };

/// The input as alternating groups of reduced and kept axes, row-major.
struct Groups {
  Dims size;             ///< elements per group
  std::vector<bool> red; ///< the group is reduced
  Dims outStride;        ///< per group: output stride of its index (0 when reduced)
  int64_t rows = 0;      ///< product of every group but the last
  int64_t inner = 0;     ///< size of the last group
  int64_t outCount = 0;  ///< output elements
  /// Sum reduced rows in double lanes (a channels-last input summed over its channels: as close
  /// to exact as the plain walk over NCHW, which adds every float into a double).
  bool doubleLanes = false;
};

Groups groupAxes(const Dims& x, const Dims& axes) {
  std::vector<bool> isRed(x.size(), false);
  for (int64_t a : axes)
    isRed[a] = true;
  Groups gr;
  for (size_t d = 0; d < x.size(); ++d) {
    if (x[d] == 1) continue;
    if (!gr.red.empty() && gr.red.back() == isRed[d])
      gr.size.back() *= x[d];
    else
      gr.size.push_back(x[d]), gr.red.push_back(isRed[d]);
  }
  gr.outStride.assign(gr.size.size(), 0);
  int64_t s = 1;
  for (size_t k = gr.size.size(); k-- > 0;)
    if (!gr.red[k]) gr.outStride[k] = s, s *= gr.size[k];
  gr.outCount = s;
  gr.inner = gr.size.back();
  gr.rows = numel(x) / gr.inner;
  return gr;
}

/// The output offset of row r (an index over every group but the last).
inline int64_t rowOffset(const Groups& gr, int64_t r) {
  int64_t off = 0;
  for (size_t k = gr.size.size() - 1; k-- > 0;) {
    off += (r % gr.size[k]) * gr.outStride[k];
    r /= gr.size[k];
  }
  return off;
}

/// Σ x[0..n) in eight Lane lanes, flushed into a double every 1024 elements.
template <class Lane> double sumRow(const float* x, int64_t n) {
  double total = 0;
  for (int64_t b = 0; b < n; b += 1024) {
    const int64_t e = std::min(n, b + 1024);
    Lane lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = b;
    for (; i + 8 <= e; i += 8)
      for (int j = 0; j < 8; ++j)
        lane[j] += x[i + j];
    double part = 0;
    for (Lane l : lane)
      part += l;
    for (; i < e; ++i)
      part += x[i];
    total += part;
  }
  return total;
}

/// max (or min) with NaN kept once seen, as PyTorch does.
template <bool Max> inline float pick(float a, float v) {
  if (a != a) return a;
  if (v != v) return v;
  return Max ? (v > a ? v : a) : (v < a ? v : a);
}

template <bool Max> float pickRow(const float* x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i)
    a = pick<Max>(a, x[i]);
  return a;
}

/// a[i] += Σ_r X[r·n + i] over `rows` consecutive rows of n floats, row by row in double (a
/// kept last group: a channels-last bias gradient sums [N·H·W, C] rows into C outputs).
LLIE_SIMD_CLONES void addRows(double* __restrict a, const float* __restrict X, int64_t rows,
                              int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict row = X + r * n;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      a[i] += row[i];
  }
}

/// Folds rows [r0, r1) of X into acc (outCount accumulators, already initialised).
template <Red R, class Acc>
void foldRows(const Groups& gr, const float* X, Acc* acc, int64_t r0, int64_t r1) {
  const int64_t inner = gr.inner;
  if (!gr.red.back()) {
    // Runs of consecutive rows share one output row when the group before the last is reduced.
    const size_t k = gr.size.size();
    const int64_t run = k >= 2 && gr.red[k - 2] ? gr.size[k - 2] : 1;
    for (int64_t r = r0; r < r1;) {
      const int64_t len = std::min(run - r % run, r1 - r);
      Acc* a = acc + rowOffset(gr, r);
      if constexpr (R == Red::Sum || R == Red::Mean)
        addRows(a, X + r * inner, len, inner);
      else
        for (int64_t q = r; q < r + len; ++q)
          for (int64_t i = 0; i < inner; ++i)
            a[i] = pick<R == Red::Max>(a[i], X[q * inner + i]);
      r += len;
    }
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = X + r * inner;
    const int64_t o = rowOffset(gr, r);
    if constexpr (R == Red::Sum || R == Red::Mean)
      acc[o] += gr.doubleLanes ? sumRow<double>(row, inner) : sumRow<float>(row, inner);
    else
      acc[o] = pickRow<R == Red::Max>(row, inner, acc[o]);
  }
}

template <Red R> std::unique_ptr<Kernel> reduceKernel(Groups gr) {
  using Acc = std::conditional_t<R == Red::Sum || R == Red::Mean, double, float>;
  const Acc init = R == Red::Max   ? Acc(-std::numeric_limits<float>::infinity())
                   : R == Red::Min ? Acc(std::numeric_limits<float>::infinity())
                                   : Acc(0);
  const double scale =
      R == Red::Mean ? static_cast<double>(gr.outCount) / static_cast<double>(gr.rows * gr.inner)
                     : 1.0;
  return kernels::makeFnKernel([gr, init, scale](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    const int64_t total = gr.rows * gr.inner;
    const int threads = total < (1 << 15) ? 1 : omp_get_max_threads();
    // Rows per index of the first group (the unit threads split).
    const int64_t first = gr.size.size() > 1 ? gr.size[0] : 1;
    const int64_t rowsPer = gr.rows / first;
    const bool firstKept = gr.size.size() > 1 && !gr.red[0];
    const int parts = firstKept ? 1 : std::min<int64_t>(threads, first);
    std::vector<Acc> acc(static_cast<size_t>(gr.outCount * parts), init);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      if (firstKept) {
        // Disjoint outputs per index of the first group.
#pragma omp for schedule(static)
        for (int64_t i = 0; i < first; ++i)
          foldRows<R>(gr, X, acc.data(), i * rowsPer, (i + 1) * rowsPer);
      } else if (t < parts) {
        const int np = std::min(nt, parts);
        const int64_t i0 = first * t / np, i1 = first * (t + 1) / np;
        if (t < np) foldRows<R>(gr, X, acc.data() + gr.outCount * t, i0 * rowsPer, i1 * rowsPer);
      }
    }
    for (int p = 1; p < parts; ++p)
      for (int64_t o = 0; o < gr.outCount; ++o) {
        if constexpr (R == Red::Sum || R == Red::Mean)
          acc[o] += acc[gr.outCount * p + o];
        else
          acc[o] = pick<R == Red::Max>(acc[o], acc[gr.outCount * p + o]);
      }
    for (int64_t o = 0; o < gr.outCount; ++o)
      Y[o] = static_cast<float>(R == Red::Mean ? acc[o] * scale : acc[o]);
  });
}

Expected<std::unique_ptr<Kernel>> makeReduce(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ReduceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  bool ok = true;
  Dims axes = kernels::normAxes(a.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axis out of range");
  Dims kept = x;
  bool reduces = false;
  for (int64_t ax : axes)
    reduces |= x[ax] > 1, kept[ax] = 1;
  if (numel(kept) != numel(y)) return kernels::badNode(n, "output shape");
  if (!reduces || numel(x) == 0) {
    if (numel(x) == 0 && numel(y) != 0)
      return kernels::unsupported(n, "cpu", "reduction of an empty tensor");
    return host::makeCopy(g, n);
  }
  const bool channelsLast = channelsLastValues(g)[n.inputs[0]];
  if (channelsLast) {
    // NCHW axis d is at position nhwcPos[d] of the NHWC tensor in memory.
    const int64_t nhwcPos[4] = {0, 3, 1, 2};
    x = {x[0], x[2], x[3], x[1]};
    for (int64_t& ax : axes)
      ax = nhwcPos[ax];
  }
  Groups gr = groupAxes(x, axes);
  gr.doubleLanes = channelsLast;
  switch (n.op) {
  case OpKind::ReduceSum:
    return reduceKernel<Red::Sum>(gr);
  case OpKind::ReduceMean:
    return reduceKernel<Red::Mean>(gr);
  case OpKind::ReduceMax:
    return reduceKernel<Red::Max>(gr);
  default:
    return reduceKernel<Red::Min>(gr);
  }
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : kernels::kReduceOps)
    r.addHost<makeReduce>(k);
}

} // namespace llie::cpu
