// Comparisons and selection, shared by both host backends: equal, less, less_equal, greater,
// greater_equal of two f32 tensors with NumPy broadcasting, whose result is a Bool tensor stored
// as one byte per element (0 or 1; IEEE semantics, so any comparison involving NaN is false),
// and where(cond, a, b) = cond ? a : b with the Bool condition and both f32 branches
// broadcast to the output. These are the only host kernels that read or write Bool tensors
// (HostBackend admits Bool exactly there).
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

namespace llie::train {
namespace {

template <class F> std::unique_ptr<Kernel> compareKernel(const Broadcast<2>& b, F f) {
  return kernels::makeFnKernel([b, f](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* B = in[1]->f32();
    auto* Y = static_cast<uint8_t*>(out[0]->data);
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      const float* a = A + off[0];
      const float* c = B + off[1];
      uint8_t* y = Y + y0;
      for (int64_t i = 0; i < len; ++i)
        y[i] = f(a[i * is[0]], c[i * is[1]]) ? 1 : 0;
    });
  });
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeCompare(const Graph& g, const Node& n) {
  Dims a = kernels::inShape(g, n, 0), c = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  Dims expect;
  Broadcast<2> b;
  if (!kernels::broadcastShapes(a, c, expect) || expect != y || !b.init({a, c}, y))
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  switch (n.op) {
  case OpKind::Equal:
    return compareKernel(b, [](float u, float v) { return u == v; });
  case OpKind::Less:
    return compareKernel(b, [](float u, float v) { return u < v; });
  case OpKind::LessEqual:
    return compareKernel(b, [](float u, float v) { return u <= v; });
  case OpKind::Greater:
    return compareKernel(b, [](float u, float v) { return u > v; });
  case OpKind::GreaterEqual:
    return compareKernel(b, [](float u, float v) { return u >= v; });
  default:
    return kernels::badNode(n, "not a comparison");
  }
}

Expected<std::unique_ptr<Kernel>> makeWhere(const Graph& g, const Node& n) {
  Dims c = kernels::inShape(g, n, 0), a = kernels::inShape(g, n, 1), e = kernels::inShape(g, n, 2);
  Dims y = kernels::outShape(g, n), ce, expect;
  Broadcast<3> b;
  if (!kernels::broadcastShapes(c, a, ce) || !kernels::broadcastShapes(ce, e, expect) ||
      expect != y || !b.init({c, a, e}, y))
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  return kernels::makeFnKernel([b](const auto& in, const auto& out) {
    const auto* C = static_cast<const uint8_t*>(in[0]->data);
    const float* A = in[1]->f32();
    const float* E = in[2]->f32();
    float* Y = out[0]->f32();
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      const uint8_t* cond = C + off[0];
      const float* a = A + off[1];
      const float* e = E + off[2];
      float* y = Y + y0;
      for (int64_t i = 0; i < len; ++i)
        y[i] = cond[i * is[0]] ? a[i * is[1]] : e[i * is[2]];
    });
  });
}

} // namespace llie::train
