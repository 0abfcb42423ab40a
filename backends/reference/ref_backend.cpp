// The reference backend: a HostBackend (host_backend.h) over the registry that the reference
// family files fill, plus the shared host data movement and its gradients (pad_grad, slice_grad)
// and the shared pointwise complex and fused elementwise kernels; its FFTs are naive DFTs
// (reference/fft.cpp).
#include "backends/host_backend.h"
#include "backends/host_complex.h"
#include "backends/host_data_movement.h"
#include "backends/host_fused.h"
#include "backends/host_grad_movement.h"
#include "backends/train/train_kernels.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

const Registry& registry() {
  static const Registry r = [] {
    Registry x;
    registerConv2d(x);
    registerBatchNorm(x);
    registerEltwise(x);
    registerBinary(x);
    registerPool(x);
    registerResize(x);
    registerReduce(x);
    registerSoftmax(x);
    registerMatMul(x);
    registerConvTranspose2d(x);
    registerConcat(x);
    registerNorms(x);
    host::registerDataMovement(x);
    registerConv2dGrad(x);
    registerBatchNormTrain(x);
    registerPoolGrad(x);
    registerResizeGrad(x);
    registerFft(x);
    host::registerComplexKernels(x);
    host::registerFusedElementwise(x);
    host::registerGradMovement(x);
    train::registerTrainKernels(x);
    return x;
  }();
  return r;
}

} // namespace

std::unique_ptr<Backend> makeReferenceBackend() {
  return std::make_unique<HostBackend>("reference", registry());
}

} // namespace llie::ref
