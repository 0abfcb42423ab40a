// The cuda batch-normalisation family: batchnorm (inference, on running statistics),
// batchnorm_train (y, batch mean, biased batch variance, new running mean and variance, the
// running variance blended with the unbiased batch variance as PyTorch does) and batchnorm_grad
// (dx, dgamma, dbeta), over NormAttrs.axis with x viewed as [outer, C, inner]. Own kernels
// (reduce.cu) rather than cuDNN's: cuDNN's training call returns the inverse standard deviation
// instead of the variance these ops output, and these kernels follow the reference backend's
// formulas in double, deterministically. A relu / relu6 epilogue (NormAttrs.epilogue, set by the
// fuse-batchnorm-activation pass) applies to y; batchnorm_grad then takes beta as a sixth input
// and masks dy where the activation of the recomputed y passes no gradient, as the host backends
// do.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"

namespace llie::cuda {
namespace {

/// The device form of a batchnorm epilogue; false for one these kernels do not apply.
bool bnAct(Epilogue e, dev::BnAct& act) {
  switch (e) {
  case Epilogue::None:
    act = dev::BnAct::None;
    return true;
  case Epilogue::Relu:
    act = dev::BnAct::Relu;
    return true;
  case Epilogue::Relu6:
    act = dev::BnAct::Relu6;
    return true;
  default:
    return false;
  }
}

std::string checkEpilogue(const Graph&, const Node& n) {
  dev::BnAct act;
  if (!bnAct(attrsOf<NormAttrs>(n).epilogue, act)) return "only a relu or relu6 epilogue";
  return "";
}

std::string checkTrain(const Graph& g, const Node& n) {
  std::string why = checkEpilogue(g, n);
  return why.empty() ? kernels::checkBatchNormTrain(g, n) : why;
}

std::string checkGrad(const Graph& g, const Node& n) {
  std::string why = checkEpilogue(g, n);
  if (why.empty() && attrsOf<NormAttrs>(n).epilogue != Epilogue::None && n.inputs.size() < 6)
    why = "an epilogue needs beta as the sixth input";
  return why;
}

/// The node's epilogue, checked (the registry's check has refused any other).
Expected<dev::BnAct> actOf(const Node& n) {
  dev::BnAct act = dev::BnAct::None;
  if (!bnAct(attrsOf<NormAttrs>(n).epilogue, act))
    return kernels::badNode(n, "only a relu or relu6 epilogue");
  return act;
}

Expected<std::unique_ptr<Kernel>> makeInfer(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  LLIE_ASSIGN_OR_RETURN(dev::BnAct act, actOf(n));
  double eps = attrsOf<NormAttrs>(n).eps;
  return kernels::makeFnKernel([ctx, s, eps, act](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::batchnormInfer(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                        in[3]->f32(), in[4]->f32(), out[0]->f32(), s.outer, s.C,
                                        s.inner, eps, act));
  });
}

Expected<std::unique_ptr<Kernel>> makeTrain(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  LLIE_ASSIGN_OR_RETURN(dev::BnAct act, actOf(n));
  const auto& a = attrsOf<NormAttrs>(n);
  double eps = a.eps, momentum = a.momentum;
  const size_t bytes = dev::splitReduceBytes(s.C, s.outer * s.inner);
  return kernels::makeWorkspaceFnKernel(bytes, [ctx, s, eps, momentum,
                                                act](void* ws, const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::batchnormTrain(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                        in[3]->f32(), in[4]->f32(), out[0]->f32(), out[1]->f32(),
                                        out[2]->f32(), out[3]->f32(), out[4]->f32(), s.outer, s.C,
                                        s.inner, eps, momentum, act, static_cast<double*>(ws)));
  });
}

Expected<std::unique_ptr<Kernel>> makeGrad(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  LLIE_ASSIGN_OR_RETURN(dev::BnAct act, actOf(n));
  if (act != dev::BnAct::None && n.inputs.size() < 6)
    return kernels::badNode(n, "an epilogue needs beta as the sixth input");
  double eps = attrsOf<NormAttrs>(n).eps;
  const size_t bytes = dev::splitReduceBytes(s.C, s.outer * s.inner);
  return kernels::makeWorkspaceFnKernel(
      bytes, [ctx, s, eps, act](void* ws, const auto& in, const auto& out) {
        const float* beta = act == dev::BnAct::None ? nullptr : in[5]->f32();
        LLIE_CUDA_CHECK(dev::batchnormGrad(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                           in[3]->f32(), in[4]->f32(), beta, out[0]->f32(),
                                           out[1]->f32(), out[2]->f32(), s.outer, s.C, s.inner, eps,
                                           act, static_cast<double*>(ws)));
      });
}

} // namespace

void registerBatchNorm(Registry& r) {
  r.add(OpKind::BatchNorm, makeInfer, checkEpilogue);
  r.add(OpKind::BatchNormTrain, makeTrain, checkTrain);
  r.add(OpKind::BatchNormGrad, makeGrad, checkGrad);
}

} // namespace llie::cuda
