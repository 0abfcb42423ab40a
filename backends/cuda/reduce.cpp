// The cuda reduction families: sum / mean / max / min (kernels::kReduceOps) and softmax /
// log_softmax, each over ReduceAttrs.axes (negative axes count from the end; none = all). The
// node's shapes are checked as the reference backend checks them, then turned into the
// group / position geometry the device code walks (reduce.cu).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

std::string checkRank(const Graph& g, const Node& n) {
  if (kernels::inShape(g, n, 0).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

/// x's axes split into kept (the groups, in order) and reduced (`axes`, sorted).
dev::GroupGeom groupGeometry(const Dims& x, const Dims& axes) {
  dev::GroupGeom g;
  Dims strides = kernels::stridesOf(x);
  g.groups = 1, g.count = 1;
  for (size_t d = 0; d < x.size(); ++d) {
    bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (reduced) {
      g.rdims[g.redRank] = x[d], g.rstrides[g.redRank] = strides[d], ++g.redRank;
      g.count *= x[d];
    } else {
      g.kdims[g.keptRank] = x[d], g.kstrides[g.keptRank] = strides[d], ++g.keptRank;
      g.groups *= x[d];
    }
  }
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
  dev::GroupGeom geom = groupGeometry(x, axes);
  if (geom.groups != numel(y)) return kernels::badNode(n, "output shape");
  dev::ReduceOp op = reduceOp(n.op);
  return kernels::makeFnKernel([ctx, op, geom](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::reduce(ctx->stream, op, in[0]->f32(), out[0]->f32(), geom));
  });
}

Expected<std::unique_ptr<Kernel>> makeSoftmax(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  LLIE_ASSIGN_OR_RETURN(Dims axes, reducedAxes(n, x));
  dev::GroupGeom geom = groupGeometry(x, axes);
  bool logForm = n.op == OpKind::LogSoftmax;
  return kernels::makeFnKernel([ctx, logForm, geom](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::softmax(ctx->stream, logForm, in[0]->f32(), out[0]->f32(), geom));
  });
}

} // namespace

void registerReduce(Registry& r) {
  for (OpKind k : kernels::kReduceOps)
    r.add(k, makeReduce, checkRank);
  r.add(OpKind::Softmax, makeSoftmax, checkRank);
  r.add(OpKind::LogSoftmax, makeSoftmax, checkRank);
}

} // namespace llie::cuda
