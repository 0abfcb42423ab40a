// The cuda drop_path family: drop_path (the inference form, a device copy) and drop_path_train
// (x, step) on drop_path.cu, whose per-sample masks are those of backends/train/drop_path.cpp
// bit for bit (the same splitmix64 hash of seed, step and sample), so a training step draws the
// same masks on cuda as on the cpu, and the gradient (the same op on dy) sees the forward's.
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

Expected<std::unique_ptr<Kernel>> makeDropPath(const Graph& g, const Node& n,
                                               const CudaCtxPtr& ctx) {
  if (kernels::outShape(g, n) != kernels::inShape(g, n, 0))
    return kernels::badNode(n, "output shape differs from input");
  return kernels::makeFnKernel([ctx](const auto& in, const auto& out) {
    if (out[0]->data == in[0]->data || in[0]->bytes() == 0) return;
    LLIE_CUDA_CHECK(cudaMemcpyAsync(out[0]->data, in[0]->data, in[0]->bytes(),
                                    cudaMemcpyDeviceToDevice, ctx->stream));
  });
}

Expected<std::unique_ptr<Kernel>> makeDropPathTrain(const Graph& g, const Node& n,
                                                    const CudaCtxPtr& ctx) {
  kernels::Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  if (numel(kernels::inShape(g, n, 1)) != 1) return kernels::badNode(n, "step is not a scalar");
  const auto& a = attrsOf<DropAttrs>(n);
  const double p = a.p;
  const int64_t seed = a.seed;
  const int64_t total = numel(x);
  const int64_t samples = x.empty() ? 1 : x[0];
  const int64_t per = samples > 0 ? total / samples : 0;
  const float scale = p < 1 ? static_cast<float>(1.0 / (1.0 - p)) : 0.f;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::dropPathTrain(ctx->stream, in[0]->f32(), in[1]->f32(), out[0]->f32(),
                                       total, per, p, seed, scale));
  });
}

} // namespace

void registerDropPath(Registry& r) {
  r.add(OpKind::DropPath, makeDropPath);
  r.add(OpKind::DropPathTrain, makeDropPathTrain);
}

} // namespace llie::cuda
