// The cuda pointwise complex ops: complex_abs, complex_angle, polar (broadcasting) and their
// gradients complex_abs_grad, complex_angle_grad and polar_grad, on complex.cu, with the shape
// checks of backends/host_complex.cpp. c64 tensors are interleaved float pairs. (add of two c64
// tensors shares its op with the real add and is refused by the dtype check.)
#include "backends/cuda/complex_kernels.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/kernel_util.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

/// A and Φ read at every element of y: "" when they broadcast to y (within kMaxRank axes).
std::string broadcastTo(const Dims& a, const Dims& p, const Dims& y, dev::Broadcast2& s) {
  Dims expect, sa, sp;
  if (!kernels::broadcastShapes(a, p, expect) || expect != y)
    return "A and Φ do not broadcast to the output shape";
  if (y.size() > size_t(dev::kMaxRank)) return "more than 8 axes";
  kernels::broadcastStrides(kernels::padLeft(a, y.size()), y, sa);
  kernels::broadcastStrides(kernels::padLeft(p, y.size()), y, sp);
  s.rank = static_cast<int>(y.size());
  for (size_t d = 0; d < y.size(); ++d)
    s.dims[d] = y[d], s.sa[d] = sa[d], s.sb[d] = sp[d];
  return "";
}

Expected<std::unique_ptr<Kernel>> makeComplexToReal(const Graph& g, const Node& n,
                                                    const CudaCtxPtr& ctx) {
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "output shape differs from input shape");
  const bool abs = n.op == OpKind::ComplexAbs;
  return kernels::makeFnKernel([ctx, abs](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::complexToReal(ctx->stream, abs, static_cast<const float*>(in[0]->data),
                                       out[0]->f32(), out[0]->numel()));
  });
}

Expected<std::unique_ptr<Kernel>> makeComplexGrad(const Graph& g, const Node& n,
                                                  const CudaCtxPtr& ctx) {
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "z, dy and dz must share one shape");
  const bool abs = n.op == OpKind::ComplexAbsGrad;
  return kernels::makeFnKernel([ctx, abs](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::complexGrad(ctx->stream, abs, static_cast<const float*>(in[0]->data),
                                     in[1]->f32(), static_cast<float*>(out[0]->data),
                                     out[0]->numel()));
  });
}

Expected<std::unique_ptr<Kernel>> makePolar(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  dev::Broadcast2 s;
  const Dims y = kernels::outShape(g, n);
  if (std::string why = broadcastTo(kernels::inShape(g, n, 0), kernels::inShape(g, n, 1), y, s);
      !why.empty())
    return kernels::badNode(n, why);
  const int64_t count = numel(y);
  return kernels::makeFnKernel([ctx, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::polar(ctx->stream, in[0]->f32(), in[1]->f32(),
                               static_cast<float*>(out[0]->data), s, count));
  });
}

Expected<std::unique_ptr<Kernel>> makePolarGrad(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  dev::Broadcast2 s;
  const Dims y = kernels::inShape(g, n, 2);
  if (std::string why = broadcastTo(kernels::inShape(g, n, 0), kernels::inShape(g, n, 1), y, s);
      !why.empty())
    return kernels::badNode(n, why);
  for (ValueId v : n.outputs)
    if (kernels::concrete(g.type(v).shape) != y)
      return kernels::badNode(n, "dA, dΦ differ from dz");
  const int64_t count = numel(y);
  return kernels::makeFnKernel([ctx, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::polarGrad(ctx->stream, in[0]->f32(), in[1]->f32(),
                                   static_cast<const float*>(in[2]->data), out[0]->f32(),
                                   out[1]->f32(), s, count));
  });
}

} // namespace

void registerComplex(Registry& r) {
  r.add(OpKind::ComplexAbs, makeComplexToReal);
  r.add(OpKind::ComplexAngle, makeComplexToReal);
  r.add(OpKind::ComplexAbsGrad, makeComplexGrad);
  r.add(OpKind::ComplexAngleGrad, makeComplexGrad);
  r.add(OpKind::Polar, makePolar);
  r.add(OpKind::PolarGrad, makePolarGrad);
}

} // namespace llie::cuda
