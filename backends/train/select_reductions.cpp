// Selection reductions (forward only, not differentiable): argmax over one axis (I64 indices,
// the first on ties and the first NaN if any, as PyTorch) and kth_value, the k-th smallest value
// over a set of axes kept as size 1, k = int(fraction·count − 1) + 1 clamped to [1, count]
// (MBLLEN's region-loss threshold; NaN sorts last, as in PyTorch). kth_value gathers each output
// element's values into a per-thread buffer and runs std::nth_element on it.
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace llie::train {
namespace {

/// Which group each input element belongs to: kept axes index the output, reduced axes the
/// values of one group.
struct Groups {
  Dims keptShape, keptStrides; ///< over the kept axes (input strides)
  Dims redShape, redStrides;   ///< over the reduced axes (input strides)
  int64_t groups = 1, count = 1;

  int64_t offset(int64_t idx, const Dims& shape, const Dims& strides) const {
    int64_t off = 0;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      off += (idx % shape[d]) * strides[d];
      idx /= shape[d];
    }
    return off;
  }
};

Groups groupsOf(const Dims& x, const Dims& axes) {
  Groups g;
  const Dims st = kernels::stridesOf(x);
  for (size_t d = 0; d < x.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
    (reduced ? g.redShape : g.keptShape).push_back(x[d]);
    (reduced ? g.redStrides : g.keptStrides).push_back(st[d]);
  }
  g.groups = numel(g.keptShape);
  g.count = numel(g.redShape);
  return g;
}

/// NaN-last strict order (PyTorch's sort and kthvalue put NaN above every number).
bool lessNanLast(float a, float b) {
  return std::isnan(b) ? !std::isnan(a) : a < b;
}

int64_t kOf(double fraction, int64_t count) {
  const double v = fraction * static_cast<double>(count) - 1.0;
  const int64_t k = static_cast<int64_t>(v) + 1; // int() truncates toward zero, as Python's
  return std::clamp<int64_t>(k, 1, std::max<int64_t>(count, 1));
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeArgMax(const Graph& g, const Node& n) {
  const Dims x = kernels::inShape(g, n, 0);
  const int64_t ax = kernels::normAxis(attrsOf<AxisAttrs>(n).axis, static_cast<int64_t>(x.size()));
  if (ax < 0) return kernels::badNode(n, "axis out of range");
  if (x[ax] == 0) return kernels::badNode(n, "argmax over an empty axis");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
    if (d < ax) outer *= x[d];
    if (d > ax) inner *= x[d];
  }
  const int64_t len = x[ax];
  return kernels::makeFnKernel([outer, inner, len](const auto& in, const auto& out) {
    const float* src = in[0]->f32();
    int64_t* idx = static_cast<int64_t*>(out[0]->data);
    parallelFor(outer * inner, [&](int64_t s) {
      const float* v = src + (s / inner) * len * inner + s % inner;
      int64_t best = 0;
      for (int64_t k = 1; k < len && !std::isnan(v[best * inner]); ++k)
        if (std::isnan(v[k * inner]) || v[k * inner] > v[best * inner]) best = k;
      idx[s] = best;
    });
  });
}

Expected<std::unique_ptr<Kernel>> makeKthValue(const Graph& g, const Node& n) {
  const auto& at = attrsOf<KthValueAttrs>(n);
  const Dims x = kernels::inShape(g, n, 0);
  bool ok = true;
  const Dims axes = kernels::normAxes(at.axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axes out of range");
  Groups gr = groupsOf(x, axes);
  if (numel(kernels::outShape(g, n)) != gr.groups)
    return kernels::badNode(n, "the result must keep one element per group");
  if (gr.count == 0) return kernels::badNode(n, "kth_value over no elements");
  const int64_t k = kOf(at.fraction, gr.count);
  return kernels::makeFnKernel([gr, k](const auto& in, const auto& out) {
    const float* src = in[0]->f32();
    float* y = out[0]->f32();
#pragma omp parallel if (gr.groups * gr.count > kParallelMin)
    {
      std::vector<float> buf(gr.count);
#pragma omp for schedule(static)
      for (int64_t o = 0; o < gr.groups; ++o) {
        const float* base = src + gr.offset(o, gr.keptShape, gr.keptStrides);
        for (int64_t j = 0; j < gr.count; ++j)
          buf[j] = base[gr.offset(j, gr.redShape, gr.redStrides)];
        std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), lessNanLast);
        y[o] = buf[k - 1];
      }
    }
  });
}

} // namespace llie::train
