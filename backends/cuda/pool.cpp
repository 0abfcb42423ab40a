// The cuda max-pooling family: max_pool2d and max_pool2d_grad over the last two axes, on the
// device code of pool.cu. The gradient goes to the first maximal element of each window in
// row-major order, as on the cpu and reference backends, gathered per input element (no
// atomics), so it is deterministic and equals the host kernel's. avg_pool2d and its gradient are
// separable maps (separable.cpp).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"
#include "backends/op_geometry.h"

namespace llie::cuda {
namespace {

dev::PoolDims poolDims(const kernels::PoolGeom& g) {
  dev::PoolDims p;
  p.planes = g.planes, p.H = g.H, p.W = g.W, p.OH = g.OH, p.OW = g.OW;
  p.kh = g.kh, p.kw = g.kw, p.sh = g.sh, p.sw = g.sw;
  p.pt = g.pt, p.pb = g.pb, p.pl = g.pl, p.pr = g.pr;
  return p;
}

Expected<std::unique_ptr<Kernel>> makeMaxPool(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::PoolGeom geom, kernels::poolGeometry(g, n));
  if (geom.sh <= 0 || geom.sw <= 0) return kernels::badNode(n, "stride must be positive");
  dev::PoolDims p = poolDims(geom);
  return kernels::makeFnKernel([ctx, p](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::maxPool2d(ctx->stream, in[0]->f32(), out[0]->f32(), p));
  });
}

Expected<std::unique_ptr<Kernel>> makeMaxPoolGrad(const Graph& g, const Node& n,
                                                  const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::PoolGeom geom, kernels::poolGradGeometry(g, n));
  if (geom.sh <= 0 || geom.sw <= 0) return kernels::badNode(n, "stride must be positive");
  dev::PoolDims p = poolDims(geom);
  return kernels::makeFnKernel([ctx, p](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::maxPool2dGrad(ctx->stream, in[0]->f32(), in[1]->f32(), out[0]->f32(), p));
  });
}

} // namespace

void registerPool(Registry& r) {
  r.add(OpKind::MaxPool2d, makeMaxPool);
  r.add(OpKind::MaxPool2dGrad, makeMaxPoolGrad);
}

} // namespace llie::cuda
