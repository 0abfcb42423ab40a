// The cuda per-group normalisations on norms.cu: instancenorm (per sample and channel over the
// spatial axes; with NormAttrs.channels only the first channels, the rest copied), layernorm
// (over the last axis only, as the cpu backend) and l2_normalize (along NormAttrs.axis), each in
// double with a fixed reduction tree, following backends/reference/norms.cpp.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/norm_kernels.h"
#include "backends/kernel_util.h"
#include "backends/op_geometry.h"

namespace llie::cuda {
namespace {

std::unique_ptr<Kernel> launcher(const CudaCtxPtr& ctx, dev::GroupNorm kind, dev::GroupGeom2 geo,
                                 double eps) {
  return kernels::makeFnKernel([ctx, kind, geo, eps](const auto& in, const auto& out) {
    const bool affine = kind != dev::GroupNorm::L2;
    LLIE_CUDA_CHECK(dev::groupNorm(ctx->stream, kind, in[0]->f32(), affine ? in[1]->f32() : nullptr,
                                   affine ? in[2]->f32() : nullptr, out[0]->f32(), geo, eps));
  });
}

Expected<std::unique_ptr<Kernel>> makeInstanceNorm(const Graph& g, const Node& n,
                                                   const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::InstanceNormGeom s, kernels::instanceNormGeometry(g, n));
  dev::GroupGeom2 geo;
  geo.groups = s.N * s.C, geo.count = s.S, geo.inner = 1, geo.C = s.C, geo.c0 = s.c0;
  return launcher(ctx, dev::GroupNorm::Instance, geo, attrsOf<NormAttrs>(n).eps);
}

std::string checkLayerNorm(const Graph& g, const Node& n) {
  int64_t rank = static_cast<int64_t>(g.type(n.inputs[0]).shape.size());
  return kernels::normAxis(attrsOf<NormAttrs>(n).axis, rank) == rank - 1
             ? ""
             : "layernorm over an axis other than the last";
}

Expected<std::unique_ptr<Kernel>> makeLayerNorm(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  kernels::Dims x = kernels::inShape(g, n, 0);
  if (x.empty() || kernels::outShape(g, n) != x)
    return kernels::badNode(n, "rank-0 input or output shape differs");
  const int64_t K = x.back();
  if (numel(kernels::inShape(g, n, 1)) != K || numel(kernels::inShape(g, n, 2)) != K)
    return kernels::badNode(n, "gamma and beta need one value per last-axis element");
  dev::GroupGeom2 geo;
  geo.groups = K > 0 ? numel(x) / K : 0, geo.count = K, geo.inner = 1;
  return launcher(ctx, dev::GroupNorm::Layer, geo, attrsOf<NormAttrs>(n).eps);
}

Expected<std::unique_ptr<Kernel>> makeL2Normalize(const Graph& g, const Node& n,
                                                  const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<NormAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::AxisGeom s, kernels::axisGeometry(g, n, a.axis));
  dev::GroupGeom2 geo;
  geo.groups = s.outer * s.inner, geo.count = s.K, geo.inner = s.inner > 0 ? s.inner : 1;
  return launcher(ctx, dev::GroupNorm::L2, geo, a.eps);
}

} // namespace

void registerNorms(Registry& r) {
  r.add(OpKind::InstanceNorm, makeInstanceNorm);
  r.add(OpKind::LayerNorm, makeLayerNorm, checkLayerNorm);
  r.add(OpKind::L2Normalize, makeL2Normalize);
}

} // namespace llie::cuda
