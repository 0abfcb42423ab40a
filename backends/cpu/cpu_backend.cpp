// The cpu backend: a HostBackend (host_backend.h) over the registry that the cpu family files
// fill, plus the shared host data movement and the host gradients of data movement, pooling and
// resize, the FFTW kernels, the pointwise complex kernels and the fused elementwise chains. One
// oneDNN cpu engine and stream per backend, shared with its kernels (so a kernel never outlives
// them).
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/host_backend.h"
#include "backends/host_complex.h"
#include "backends/host_data_movement.h"
#include "backends/host_fft.h"
#include "backends/host_fused.h"
#include "backends/host_grad_movement.h"
#include "backends/train/train_kernels.h"

namespace llie::cpu {
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
    registerLayerNorm(x);
    registerNormLoops(x);
    host::registerDataMovement(x);
    registerConv2dGrad(x);
    registerBatchNormTrain(x);
    host::registerGradMovement(x);
    host::registerSpatialGrads(x);
    train::registerTrainKernels(x);
    host::registerFftw(x);
    host::registerComplexKernels(x);
    host::registerFusedElementwise(x);
    registerChannelsLastHost(x); // replaces the shared slice, reduce_grad and resize_grad
    return x;
  }();
  return r;
}

class CpuBackend : public HostBackend {
public:
  explicit CpuBackend(const CtxPtr& ctx) : HostBackend("cpu", registry(), ctx), ctx_(ctx) {}
  void synchronize() override { ctx_->strm.wait(); }

protected:
  MemoryMeter& meter() const override { return ctx_->meter; }
  size_t workspaceBytes() const override { return ctx_->scratchReserved(); }
  size_t reordersPerRun() const override { return ctx_->reordersPerRun; }
  std::vector<bool> concatsInPlace(const Graph& g) const override { return cpu::concatsInPlace(g); }
  std::vector<std::string> valueLayouts(const Graph& g) const override {
    std::vector<std::string> names;
    for (Layout l : activationLayouts(g))
      names.push_back(l == Layout::Nhwc ? "NHWC" : l == Layout::Blocked16 ? "nChw16c" : "");
    return names;
  }

private:
  CtxPtr ctx_;
};

} // namespace

std::unique_ptr<Backend> makeCpuBackend() {
  return std::make_unique<CpuBackend>(std::make_shared<CpuContext>());
}

} // namespace llie::cpu
