// The cuda batch-normalisation family: batchnorm (inference, on running statistics),
// batchnorm_train (y, batch mean, biased batch variance, new running mean and variance, the
// running variance blended with the unbiased batch variance as PyTorch does) and batchnorm_grad
// (dx, dgamma, dbeta), over NormAttrs.axis with x viewed as [outer, C, inner]. Own kernels
// (reduce.cu) rather than cuDNN's: cuDNN's training call returns the inverse standard deviation
// instead of the variance these ops output, and these kernels follow the reference backend's
// formulas in double, deterministically.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"

namespace llie::cuda {
namespace {

Expected<std::unique_ptr<Kernel>> makeInfer(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  double eps = attrsOf<NormAttrs>(n).eps;
  return kernels::makeFnKernel([ctx, s, eps](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::batchnormInfer(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                        in[3]->f32(), in[4]->f32(), out[0]->f32(), s.outer, s.C,
                                        s.inner, eps));
  });
}

Expected<std::unique_ptr<Kernel>> makeTrain(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  const auto& a = attrsOf<NormAttrs>(n);
  double eps = a.eps, momentum = a.momentum;
  return kernels::makeFnKernel([ctx, s, eps, momentum](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::batchnormTrain(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                        in[3]->f32(), in[4]->f32(), out[0]->f32(), out[1]->f32(),
                                        out[2]->f32(), out[3]->f32(), out[4]->f32(), s.outer, s.C,
                                        s.inner, eps, momentum));
  });
}

Expected<std::unique_ptr<Kernel>> makeGrad(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::NormGeom s, kernels::batchNormGeometry(g, n));
  double eps = attrsOf<NormAttrs>(n).eps;
  return kernels::makeFnKernel([ctx, s, eps](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::batchnormGrad(ctx->stream, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                       in[3]->f32(), in[4]->f32(), out[0]->f32(), out[1]->f32(),
                                       out[2]->f32(), s.outer, s.C, s.inner, eps));
  });
}

} // namespace

void registerBatchNorm(Registry& r) {
  r.add(OpKind::BatchNorm, makeInfer);
  r.add(OpKind::BatchNormTrain, makeTrain, kernels::checkBatchNormTrain);
  r.add(OpKind::BatchNormGrad, makeGrad);
}

} // namespace llie::cuda
