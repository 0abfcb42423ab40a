// The cuda classification losses: cross_entropy against a distribution target (the logits'
// shape, f32) or class indices (I64, the logits' shape without the class axis), kl_div against
// teacher logits, and class_loss_grad for both, on class_losses.cu with the definitions and
// checks of backends/train/class_losses.cpp.
#include "backends/cuda/class_loss_kernels.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

/// The layout and settings, checked as the host kernels check them.
Expected<dev::ClassLossGeom> geomOf(const Graph& g, const Node& n, bool kl, int64_t axis,
                                    double eps, double tau) {
  const kernels::Dims z = kernels::inShape(g, n, 0), t = kernels::inShape(g, n, 1);
  const int64_t ax = kernels::normAxis(axis, static_cast<int64_t>(z.size()));
  if (ax < 0) return kernels::badNode(n, "class axis out of range");
  dev::ClassLossGeom geo;
  if (g.type(n.inputs[1]).dtype == DType::I64) {
    if (kl) return kernels::badNode(n, "kl_div's teacher must be float logits");
    kernels::Dims want = z;
    want.erase(want.begin() + ax);
    if (t != want)
      return kernels::badNode(n,
                              "class indices must have the logits' shape without the class axis");
    geo.indices = true;
  } else if (t != z) {
    return kernels::badNode(n, "the target must have the logits' shape");
  }
  if (kl && !(tau > 0)) return kernels::badNode(n, "kl_div needs temperature > 0");
  if (!kl && !(eps >= 0 && eps <= 1))
    return kernels::badNode(n, "label_smoothing must lie in [0, 1]");
  for (int64_t d = 0; d < static_cast<int64_t>(z.size()); ++d)
    (d < ax ? geo.outer : d == ax ? geo.classes : geo.inner) *= z[d];
  geo.kl = kl, geo.eps = eps, geo.tau = tau;
  return geo;
}

Expected<std::unique_ptr<Kernel>> makeClassLoss(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ClassLossAttrs>(n);
  if (numel(kernels::outShape(g, n)) != 1)
    return kernels::badNode(n, "the result must be a scalar");
  LLIE_ASSIGN_OR_RETURN(dev::ClassLossGeom geo, geomOf(g, n, n.op == OpKind::KlDiv, a.axis,
                                                       a.labelSmoothing, a.temperature));
  return kernels::makeFnKernel([ctx, geo](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::classLoss(ctx->stream, in[0]->f32(), in[1]->data, out[0]->f32(), geo));
  });
}

Expected<std::unique_ptr<Kernel>> makeClassLossGrad(const Graph& g, const Node& n,
                                                    const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ClassLossGradAttrs>(n);
  const bool kl = a.op == "kl_div";
  if (!kl && a.op != "cross_entropy")
    return kernels::badNode(n, "no class-loss gradient for '" + a.op + "'");
  if (kernels::outShape(g, n) != kernels::inShape(g, n, 0) || numel(kernels::inShape(g, n, 2)) != 1)
    return kernels::badNode(n, "the result must match the logits and dy be a scalar");
  LLIE_ASSIGN_OR_RETURN(dev::ClassLossGeom geo,
                        geomOf(g, n, kl, a.axis, a.labelSmoothing, a.temperature));
  return kernels::makeFnKernel([ctx, geo](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::classLossGrad(ctx->stream, in[0]->f32(), in[1]->data, in[2]->f32(),
                                       out[0]->f32(), geo));
  });
}

} // namespace

void registerClassLosses(Registry& r) {
  r.add(OpKind::CrossEntropy, makeClassLoss);
  r.add(OpKind::KlDiv, makeClassLoss);
  r.add(OpKind::ClassLossGrad, makeClassLossGrad);
}

} // namespace llie::cuda
