// The cuda optimizer updates: sgd_update(p, g, buf, lr, step) -> (p', buf') and
// adam_update(p, g, m, v, lr, step) -> (p', m', v'), PyTorch 1.13's single-tensor SGD and
// Adam / AdamW with the formulas of backends/train/optimizers.cpp; `lr` and `step` are f32
// scalars on the device, read by the kernel at run time (elementwise.cu).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

Expected<std::unique_ptr<Kernel>> makeSgd(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  if (std::string why = kernels::optimizerShapeProblem(g, n, 3); !why.empty())
    return kernels::badNode(n, why);
  const auto& a = attrsOf<SgdAttrs>(n);
  dev::SgdParams s;
  s.decay = a.weightDecay != 0, s.useMomentum = a.momentum != 0, s.nesterov = a.nesterov;
  s.wd = static_cast<float>(a.weightDecay), s.momentum = static_cast<float>(a.momentum);
  s.keep = static_cast<float>(1.0 - a.dampening);
  return kernels::makeFnKernel([ctx, s](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::sgdUpdate(ctx->stream, s, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                   in[3]->f32(), in[4]->f32(), out[0]->f32(), out[1]->f32(),
                                   out[0]->numel()));
  });
}

Expected<std::unique_ptr<Kernel>> makeAdam(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  if (std::string why = kernels::optimizerShapeProblem(g, n, 4); !why.empty())
    return kernels::badNode(n, why);
  const auto& at = attrsOf<AdamAttrs>(n);
  dev::AdamParams a;
  a.beta1 = at.beta1, a.beta2 = at.beta2, a.weightDecay = at.weightDecay;
  a.eps = static_cast<float>(at.eps);
  a.decoupled = at.decoupled, a.decay = at.weightDecay != 0;
  return kernels::makeFnKernel([ctx, a](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::adamUpdate(ctx->stream, a, in[0]->f32(), in[1]->f32(), in[2]->f32(),
                                    in[3]->f32(), in[4]->f32(), in[5]->f32(), out[0]->f32(),
                                    out[1]->f32(), out[2]->f32(), out[0]->numel()));
  });
}

} // namespace

void registerOptimizers(Registry& r) {
  r.add(OpKind::SgdUpdate, makeSgd);
  r.add(OpKind::AdamUpdate, makeAdam);
}

} // namespace llie::cuda
