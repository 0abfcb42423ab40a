// Elementwise forward ops that arrived with training and have no oneDNN counterpart, shared by
// both host backends: sign ((0 < x) − (x < 0), so 0 at ±0 and NaN, as PyTorch's kernel), sin,
// cos, acos; pow(a, b) and atan2(a, b) (= atan2 of y = a over x = b, torch.atan2's order) with
// NumPy broadcasting; and prelu(x, slope) with PyTorch's channel rule: a slope of shape [1] is
// one scalar, a rank-1 slope of x.shape[1] elements applies along axis 1, and any other slope
// shape must broadcast NumPy-style to x (the frontend's [C, 1, 1]); x > 0 ? x : slope·x. sin,
// cos, acos, pow and atan2 are evaluated in double and rounded once. In-place safe.
#include "backends/train/train_kernels.h"

#include "backends/select_geometry.h"
#include "backends/train/train_loops.h"

#include <cmath>

namespace llie::train {
namespace {

template <class F> std::unique_ptr<Kernel> unaryKernel(F f) {
  return kernels::makeFnKernel([f](const auto& in, const auto& out) {
    const float* x = in[0]->f32();
    float* y = out[0]->f32();
    parallelFor(out[0]->numel(), [&](int64_t i) { y[i] = f(x[i]); });
  });
}

template <class F> std::unique_ptr<Kernel> binaryKernel(const Broadcast<2>& b, F f) {
  return kernels::makeFnKernel([b, f](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* B = in[1]->f32();
    float* Y = out[0]->f32();
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      const float* a = A + off[0];
      const float* c = B + off[1];
      float* y = Y + y0;
      for (int64_t i = 0; i < len; ++i)
        y[i] = f(a[i * is[0]], c[i * is[1]]);
    });
  });
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeUnaryMath(const Graph& g, const Node& n) {
  if (kernels::inShape(g, n, 0) != kernels::outShape(g, n))
    return kernels::badNode(n, "output shape differs from input shape");
  switch (n.op) {
  case OpKind::Sign:
    return unaryKernel([](float x) { return static_cast<float>((0.f < x) - (x < 0.f)); });
  case OpKind::Sin:
    return unaryKernel([](float x) { return static_cast<float>(std::sin(double(x))); });
  case OpKind::Cos:
    return unaryKernel([](float x) { return static_cast<float>(std::cos(double(x))); });
  case OpKind::Acos:
    return unaryKernel([](float x) { return static_cast<float>(std::acos(double(x))); });
  default:
    return kernels::badNode(n, "not a unary math op");
  }
}

Expected<std::unique_ptr<Kernel>> makeBinaryMath(const Graph& g, const Node& n) {
  Broadcast<2> b;
  if (!b.init({kernels::inShape(g, n, 0), kernels::inShape(g, n, 1)}, kernels::outShape(g, n)))
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  Dims expect;
  kernels::broadcastShapes(kernels::inShape(g, n, 0), kernels::inShape(g, n, 1), expect);
  if (expect != kernels::outShape(g, n))
    return kernels::badNode(n, "output shape is not the operands' broadcast shape");
  if (n.op == OpKind::Pow)
    return binaryKernel(
        b, [](float a, float e) { return static_cast<float>(std::pow(double(a), double(e))); });
  if (n.op == OpKind::Atan2)
    return binaryKernel(
        b, [](float a, float c) { return static_cast<float>(std::atan2(double(a), double(c))); });
  return kernels::badNode(n, "not a binary math op");
}

Expected<std::unique_ptr<Kernel>> makePrelu(const Graph& g, const Node& n) {
  LLIE_ASSIGN_OR_RETURN(Dims ws, kernels::preluSlopeShape(g, n));
  Dims x = kernels::inShape(g, n, 0);
  Broadcast<2> b;
  if (!b.init({x, ws}, x))
    return kernels::badNode(n, "slope must have 1 or x.shape[1] elements, or broadcast to x");
  return binaryKernel(b, [](float v, float s) { return v > 0.f ? v : s * v; });
}

} // namespace llie::train
