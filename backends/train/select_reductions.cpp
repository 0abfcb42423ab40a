// Selection reductions (forward only, not differentiable): argmax over one axis (I64 indices,
// the first on ties and the first NaN if any, as PyTorch) and kth_value, the k-th smallest value
// over a set of axes kept as size 1, k = int(fraction·count − 1) + 1 clamped to [1, count]
// (MBLLEN's region-loss threshold; NaN sorts last, as in PyTorch). kth_value gathers each output
// element's values into a per-thread buffer and runs std::nth_element on it.
#include "backends/train/train_kernels.h"

#include "backends/select_geometry.h"
#include "backends/train/train_loops.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace llie::train {
namespace {

/// NaN-last strict order (PyTorch's sort and kthvalue put NaN above every number).
bool lessNanLast(float a, float b) {
  return std::isnan(b) ? !std::isnan(a) : a < b;
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeArgMax(const Graph& g, const Node& n) {
  LLIE_ASSIGN_OR_RETURN(kernels::ArgMaxGeom geo, kernels::argmaxGeometry(g, n));
  const int64_t outer = geo.outer, inner = geo.inner, len = geo.K;
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
  LLIE_ASSIGN_OR_RETURN(kernels::KthValueGeom geo, kernels::kthValueGeometry(g, n));
  const kernels::ReduceGroups gr = geo.groups;
  const int64_t k = geo.k;
  return kernels::makeFnKernel([gr, k](const auto& in, const auto& out) {
    const float* src = in[0]->f32();
    float* y = out[0]->f32();
#pragma omp parallel if (gr.groups * gr.count > kParallelMin)
    {
      std::vector<float> buf(gr.count);
#pragma omp for schedule(static)
      for (int64_t o = 0; o < gr.groups; ++o) {
        const float* base = src + kernels::stridedOffset(o, gr.keptShape, gr.keptStrides);
        for (int64_t j = 0; j < gr.count; ++j)
          buf[j] = base[kernels::stridedOffset(j, gr.redShape, gr.redStrides)];
        std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end(), lessNanLast);
        y[o] = buf[k - 1];
      }
    }
  });
}

} // namespace llie::train
