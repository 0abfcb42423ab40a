// The cuda training data movement: assign(state, value) (value broadcast into the state's own
// buffer, then into a separate output buffer if the executor gave one), reduce_grad (dy broadcast
// back over the reduced axes, divided by their count for a mean: an f32 division, as PyTorch)
// and slice_grad (dy scattered into zeros, as a gather). The node checks are the host kernels'
// (backends/train/assign.cpp, reduce_grad.cpp, host_grad_movement.cpp).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/gather_geometry.h"
#include "backends/grad_geometry.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

std::string checkRank(const Graph& g, const Node& n) {
  if (kernels::outShape(g, n).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

/// Reading `x` (broadcast NumPy-style) over `y`; false when it does not broadcast.
bool broadcastGather(const Dims& x, const Dims& y, dev::Gather& g) {
  Dims st;
  if (x.size() > y.size() || y.size() > static_cast<size_t>(dev::kMaxRank) ||
      !kernels::broadcastStrides(kernels::padLeft(x, y.size()), y, st))
    return false;
  g.rank = static_cast<int>(y.size());
  for (size_t d = 0; d < y.size(); ++d)
    g.dims[d] = y[d], g.strides[d] = st[d];
  return true;
}

Expected<std::unique_ptr<Kernel>> makeAssign(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  Dims s = kernels::inShape(g, n, 0), v = kernels::inShape(g, n, 1);
  if (kernels::outShape(g, n) != s) return kernels::badNode(n, "the result differs from the state");
  dev::Gather gather;
  if (!broadcastGather(v, s, gather))
    return kernels::badNode(n, "the value does not broadcast to the state");
  const int64_t count = numel(s);
  return kernels::makeFnKernel([ctx, gather, count](const auto& in, const auto& out) {
    // The state's buffer is written through its (const) input view, as the host kernel does.
    float* S = static_cast<float*>(in[0]->data);
    if (in[1]->data != in[0]->data)
      LLIE_CUDA_CHECK(dev::gather(ctx->stream, in[1]->f32(), S, gather, count));
    if (out[0]->data != in[0]->data && count > 0)
      LLIE_CUDA_CHECK(cudaMemcpyAsync(out[0]->data, S, sizeof(float) * count,
                                      cudaMemcpyDeviceToDevice, ctx->stream));
  });
}

Expected<std::unique_ptr<Kernel>> makeReduceGrad(const Graph& g, const Node& n,
                                                 const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ReduceGradAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::ReduceGradGeom geo, kernels::reduceGradGeometry(g, n));
  const Dims &y = geo.y, &kept = geo.kept;
  const int64_t count = geo.count;
  dev::Gather gather;
  if (!broadcastGather(kept, y, gather)) return kernels::badNode(n, "dy does not broadcast");
  const float div = a.mean ? static_cast<float>(count) : 1.f;
  const int64_t total = numel(y);
  return kernels::makeFnKernel([ctx, gather, div, total](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(
        dev::gatherDivide(ctx->stream, in[0]->f32(), out[0]->f32(), gather, total, div));
  });
}

Expected<std::unique_ptr<Kernel>> makeSliceGrad(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::SliceGradGeom geo, kernels::sliceGradGeometry(g, n));
  const int64_t outer = geo.outer, X = geo.X, Y = geo.Y, inner = geo.inner;
  const int64_t start = geo.start, step = geo.step;
  return kernels::makeFnKernel(
      [ctx, outer, X, Y, inner, start, step](const auto& in, const auto& out) {
        LLIE_CUDA_CHECK(dev::sliceGrad(ctx->stream, in[1]->f32(), out[0]->f32(), outer, X, Y, inner,
                                       start, step));
      });
}

} // namespace

void registerGradMovement(Registry& r) {
  r.add(OpKind::Assign, makeAssign, checkRank);
  r.add(OpKind::ReduceGrad, makeReduceGrad, checkRank);
  r.add(OpKind::SliceGrad, makeSliceGrad);
}

} // namespace llie::cuda
