// The cuda pointwise losses and their gradient: l1_loss, mse_loss, smooth_l1_loss (β = 0: l1),
// huber_loss, bce_with_logits, mean-reduced to a scalar, and loss_grad(a, b, dy) with respect to
// a, with the definitions and checks of backends/train/losses.cpp (smooth_l1 needs β >= 0,
// huber δ > 0). The device code is in reduce.cu.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"

#include <optional>

namespace llie::cuda {
namespace {

std::optional<dev::PointLoss> lossFromName(const std::string& s) {
  if (s == "l1_loss") return dev::PointLoss::L1;
  if (s == "mse_loss") return dev::PointLoss::Mse;
  if (s == "smooth_l1_loss") return dev::PointLoss::SmoothL1;
  if (s == "huber_loss") return dev::PointLoss::Huber;
  if (s == "bce_with_logits") return dev::PointLoss::Bce;
  return std::nullopt;
}

std::string checkBeta(dev::PointLoss loss, double beta) {
  if (loss == dev::PointLoss::SmoothL1 && !(beta >= 0)) return "smooth_l1_loss needs beta >= 0";
  if (loss == dev::PointLoss::Huber && !(beta > 0)) return "huber_loss needs delta > 0";
  return "";
}

Expected<std::unique_ptr<Kernel>> makeLoss(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  kernels::Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1);
  if (a != b || numel(kernels::outShape(g, n)) != 1)
    return kernels::badNode(n, "inputs must share a shape and the result must be a scalar");
  dev::PointLoss loss = *lossFromName(opName(n.op));
  double beta = loss == dev::PointLoss::Bce ? 0.0 : attrsOf<LossAttrs>(n).beta;
  if (std::string why = checkBeta(loss, beta); !why.empty()) return kernels::badNode(n, why);
  return kernels::makeWorkspaceFnKernel(
      dev::splitReduceBytes(1, numel(a)),
      [ctx, loss, beta](void* ws, const auto& in, const auto& out) {
        LLIE_CUDA_CHECK(dev::pointLoss(ctx->stream, loss, beta, in[0]->f32(), in[1]->f32(),
                                       out[0]->f32(), in[0]->numel(), static_cast<double*>(ws)));
      });
}

Expected<std::unique_ptr<Kernel>> makeLossGrad(const Graph& g, const Node& n,
                                               const CudaCtxPtr& ctx) {
  const auto& at = attrsOf<LossGradAttrs>(n);
  kernels::Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1);
  if (a != b || kernels::outShape(g, n) != a || numel(kernels::inShape(g, n, 2)) != 1)
    return kernels::badNode(n, "a, b and the result must share a shape and dy be a scalar");
  auto loss = lossFromName(at.op);
  if (!loss) return kernels::badNode(n, "no gradient for loss '" + at.op + "'");
  if (std::string why = checkBeta(*loss, at.beta); !why.empty()) return kernels::badNode(n, why);
  dev::PointLoss l = *loss;
  double beta = at.beta;
  return kernels::makeFnKernel([ctx, l, beta](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::pointLossGrad(ctx->stream, l, beta, in[0]->f32(), in[1]->f32(),
                                       in[2]->f32(), out[0]->f32(), out[0]->numel()));
  });
}

} // namespace

void registerLosses(Registry& r) {
  for (OpKind k : {OpKind::L1Loss, OpKind::MseLoss, OpKind::SmoothL1Loss, OpKind::HuberLoss,
                   OpKind::BceWithLogits})
    r.add(k, makeLoss);
  r.add(OpKind::LossGrad, makeLossGrad);
}

} // namespace llie::cuda
