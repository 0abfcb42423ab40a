// Reference concatenation along AxisAttrs.axis (negative counts from the end): every input
// contributes a contiguous block of `extent·inner` floats per outer index.
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

Expected<std::unique_ptr<Kernel>> makeConcat(const Graph& g, const Node& n) {
  Expected<int64_t> ax = kernels::concatAxis(g, n);
  if (!ax) return ax.takeStatus();
  int64_t axis = *ax;
  Dims y = kernels::outShape(g, n);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= y[i];
  for (size_t i = axis + 1; i < y.size(); ++i) inner *= y[i];
  std::vector<int64_t> blocks; // floats per outer index, per input
  for (size_t i = 0; i < n.inputs.size(); ++i)
    blocks.push_back(kernels::inShape(g, n, i)[axis] * inner);
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
