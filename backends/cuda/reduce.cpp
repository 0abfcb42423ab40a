// The cuda reduction families: sum / mean / max / min (kernels::kReduceOps) and softmax /
// log_softmax, each over ReduceAttrs.axes (negative axes count from the end; none = all), and
// the selection reductions argmax and kth_value (select_geometry.h's geometry, as the host
// kernels). The node's shapes are checked as the host backends check them, then turned into the
// group / position geometry the device code walks (reduce.cu, select.cu).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"
#include "backends/select_geometry.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

std::string checkRank(const Graph& g, const Node& n) {
  if (kernels::inShape(g, n, 0).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

/// The groups as the device code walks them; at most dev::kMaxRank axes (checkRank).
dev::GroupGeom deviceGroups(const kernels::ReduceGroups& r) {
  dev::GroupGeom g;
  g.keptRank = static_cast<int>(r.keptShape.size());
  g.redRank = static_cast<int>(r.redShape.size());
  for (int d = 0; d < g.keptRank; ++d)
    g.kdims[d] = r.keptShape[d], g.kstrides[d] = r.keptStrides[d];
  for (int d = 0; d < g.redRank; ++d)
    g.rdims[d] = r.redShape[d], g.rstrides[d] = r.redStrides[d];
  g.groups = r.groups, g.count = r.count;
  return g;
}

/// The reduced axes of a reduce / softmax node, normalised; an error value when out of range.
Expected<Dims> reducedAxes(const Node& n, const Dims& x) {
  bool ok = true;
  Dims axes = kernels::normAxes(attrsOf<ReduceAttrs>(n).axes, static_cast<int64_t>(x.size()), ok);
  if (!ok) return kernels::badNode(n, "axis out of range");
  if (x.size() > static_cast<size_t>(dev::kMaxRank))
    return kernels::unsupported(n, "cuda", "more than " + std::to_string(dev::kMaxRank) + " axes");
  return axes;
}

dev::ReduceOp reduceOp(OpKind k) {
  switch (k) {
  case OpKind::ReduceSum:
    return dev::ReduceOp::Sum;
  case OpKind::ReduceMean:
    return dev::ReduceOp::Mean;
  case OpKind::ReduceMax:
    return dev::ReduceOp::Max;
  default:
    return dev::ReduceOp::Min;
  }
}

Expected<std::unique_ptr<Kernel>> makeReduce(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  LLIE_ASSIGN_OR_RETURN(Dims axes, reducedAxes(n, x));
  dev::GroupGeom geom = deviceGroups(kernels::reduceGroups(x, axes));
  if (geom.groups != numel(y)) return kernels::badNode(n, "output shape");
  dev::ReduceOp op = reduceOp(n.op);
  return kernels::makeWorkspaceFnKernel(
      dev::reduceBytes(geom), [ctx, op, geom](void* ws, const auto& in, const auto& out) {
        LLIE_CUDA_CHECK(dev::reduce(ctx->stream, op, in[0]->f32(), out[0]->f32(), geom,
                                    static_cast<double*>(ws)));
      });
}

Expected<std::unique_ptr<Kernel>> makeSoftmax(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  LLIE_ASSIGN_OR_RETURN(Dims axes, reducedAxes(n, x));
  dev::GroupGeom geom = deviceGroups(kernels::reduceGroups(x, axes));
  bool logForm = n.op == OpKind::LogSoftmax;
  return kernels::makeFnKernel([ctx, logForm, geom](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::softmax(ctx->stream, logForm, in[0]->f32(), out[0]->f32(), geom));
  });
}

/// argmax (an I64 result), the host kernel's loop per index.
Expected<std::unique_ptr<Kernel>> makeArgMax(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::ArgMaxGeom geo, kernels::argmaxGeometry(g, n));
  return kernels::makeFnKernel([ctx, geo](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::argmax(ctx->stream, in[0]->f32(), static_cast<int64_t*>(out[0]->data),
                                geo.outer, geo.K, geo.inner));
  });
}

/// kth_value over the host kernel's groups and k (select_geometry.h).
Expected<std::unique_ptr<Kernel>> makeKthValue(const Graph& g, const Node& n,
                                               const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::KthValueGeom geo, kernels::kthValueGeometry(g, n));
  if (kernels::inShape(g, n, 0).size() > static_cast<size_t>(dev::kMaxRank))
    return kernels::unsupported(n, "cuda", checkRank(g, n));
  dev::GroupGeom geom = deviceGroups(geo.groups);
  const int64_t k = geo.k;
  return kernels::makeFnKernel([ctx, geom, k](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::kthValue(ctx->stream, in[0]->f32(), out[0]->f32(), geom, k));
  });
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : kernels::kReduceOps)
    r.add(k, makeReduce, checkRank);
  r.add(OpKind::Softmax, makeSoftmax, checkRank);
  r.add(OpKind::LogSoftmax, makeSoftmax, checkRank);
  r.add(OpKind::ArgMax, makeArgMax);
  r.add(OpKind::KthValue, makeKthValue, checkRank);
}

} // namespace llie::cuda
