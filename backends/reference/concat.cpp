// Reference concatenation along AxisAttrs.axis (negative counts from the end): every input
// contributes a contiguous block of `extent·inner` floats per outer index.
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeConcat(const Graph& g, const Node& n) {
  Dims y = kernels::outShape(g, n);
  int64_t axis = kernels::normAxis(attrsOf<AxisAttrs>(n).axis, static_cast<int64_t>(y.size()));
  if (axis < 0) return kernels::badNode(n, "axis out of range");
  int64_t outer = 1, inner = 1, total = 0;
  for (int64_t i = 0; i < axis; ++i) outer *= y[i];
  for (size_t i = axis + 1; i < y.size(); ++i) inner *= y[i];
  std::vector<int64_t> blocks; // floats per outer index, per input
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Dims x = kernels::inShape(g, n, i);
    if (x.size() != y.size()) return kernels::badNode(n, "inputs of different ranks");
    for (size_t d = 0; d < y.size(); ++d)
      if (static_cast<int64_t>(d) != axis && x[d] != y[d])
        return kernels::badNode(n, "inputs differ off the concat axis");
    blocks.push_back(x[axis] * inner);
    total += x[axis];
  }
  if (total != y[axis]) return kernels::badNode(n, "output extent along the axis");
  int64_t rowOut = y[axis] * inner;

  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    float* Y = out[0]->f32();
    int64_t off = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
      const float* X = in[i]->f32();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < blocks[i]; ++k) Y[o * rowOut + off + k] = X[o * blocks[i] + k];
      off += blocks[i];
    }
  });
}

} // namespace

void registerConcat(Registry& r) { r.add(OpKind::Concat, makeConcat); }

} // namespace llie::ref
