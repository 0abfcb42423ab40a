// The pointwise complex kernels declared in host_complex.h: flat OpenMP loops over interleaved
// (re, im) pairs, and the broadcasting runs of train_loops.h for polar and polar_grad. At z = 0
// abs and angle give 0 and both gradients are 0 (PyTorch's convention for abs; angle's
// gradient is undefined there).
#include "backends/host_complex.h"

#include "backends/train/train_loops.h"

#include <cmath>

namespace llie::host {
namespace {

using kernels::Dims;

/// |z| and atan2(Im, Re) of one pair, in double.
double absOf(const float* z) {
  return std::hypot(double(z[0]), double(z[1]));
}
double angleOf(const float* z) {
  return std::atan2(double(z[1]), double(z[0]));
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeComplexToReal(const Graph& g, const Node& n) {
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "output shape differs from input shape");
  const bool abs = n.op == OpKind::ComplexAbs;
  return kernels::makeFnKernel([abs](const auto& in, const auto& out) {
    const float* z = in[0]->f32();
    float* y = out[0]->f32();
    train::parallelFor(out[0]->numel(), [&](int64_t i) {
      y[i] = static_cast<float>(abs ? absOf(z + 2 * i) : angleOf(z + 2 * i));
    });
  });
}

Expected<std::unique_ptr<Kernel>> makePolar(const Graph& g, const Node& n) {
  train::Broadcast<2> b;
  if (!b.init({kernels::inShape(g, n, 0), kernels::inShape(g, n, 1)}, kernels::outShape(g, n)))
    return kernels::badNode(n, "operands do not broadcast to the output shape");
  return kernels::makeFnKernel([b](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* P = in[1]->f32();
    float* Z = out[0]->f32();
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      for (int64_t i = 0; i < len; ++i) {
        const double a = A[off[0] + i * is[0]], p = P[off[1] + i * is[1]];
        float* z = Z + 2 * (y0 + i);
        z[0] = static_cast<float>(a * std::cos(p));
        z[1] = static_cast<float>(a * std::sin(p));
      }
    });
  });
}

Expected<std::unique_ptr<Kernel>> makeComplexGrad(const Graph& g, const Node& n) {
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "z, dy and dz must share one shape");
  const bool abs = n.op == OpKind::ComplexAbsGrad;
  return kernels::makeFnKernel([abs](const auto& in, const auto& out) {
    const float* z = in[0]->f32();
    const float* dy = in[1]->f32();
    float* dz = out[0]->f32();
    train::parallelFor(out[0]->numel(), [&](int64_t i) {
      const double re = z[2 * i], im = z[2 * i + 1], d = dy[i];
      const double r2 = re * re + im * im;
      double gr = 0, gi = 0;
      if (r2 > 0 && abs) {
        const double r = std::sqrt(r2);
        gr = d * re / r, gi = d * im / r;
      } else if (r2 > 0) {
        gr = -d * im / r2, gi = d * re / r2;
      }
      dz[2 * i] = static_cast<float>(gr);
      dz[2 * i + 1] = static_cast<float>(gi);
    });
  });
}

Expected<std::unique_ptr<Kernel>> makePolarGrad(const Graph& g, const Node& n) {
  train::Broadcast<2> b;
  const Dims y = kernels::inShape(g, n, 2);
  if (!b.init({kernels::inShape(g, n, 0), kernels::inShape(g, n, 1)}, y))
    return kernels::badNode(n, "A and Φ do not broadcast to dz's shape");
  for (ValueId v : n.outputs)
    if (kernels::concrete(g.type(v).shape) != y)
      return kernels::badNode(n, "dA, dΦ differ from dz");
  return kernels::makeFnKernel([b](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* P = in[1]->f32();
    const float* DZ = in[2]->f32();
    float* DA = out[0]->f32();
    float* DP = out[1]->f32();
    b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
      for (int64_t i = 0; i < len; ++i) {
        const double a = A[off[0] + i * is[0]], p = P[off[1] + i * is[1]];
        const double c = std::cos(p), s = std::sin(p);
        const float* dz = DZ + 2 * (y0 + i);
        DA[y0 + i] = static_cast<float>(dz[0] * c + dz[1] * s);
        DP[y0 + i] = static_cast<float>(a * (dz[1] * c - dz[0] * s));
      }
    });
  });
}

Expected<std::unique_ptr<Kernel>> makeComplexAdd(const Graph& g, const Node& n) {
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "add of c64 tensors needs equal shapes");
  for (ValueId v : n.inputs)
    if (g.type(v).dtype != DType::C64) return kernels::badNode(n, "add mixes c64 and real");
  return kernels::makeFnKernel([](const auto& in, const auto& out) {
    const float* a = in[0]->f32();
    const float* b = in[1]->f32();
    float* y = out[0]->f32();
    train::parallelFor(2 * out[0]->numel(), [&](int64_t i) { y[i] = a[i] + b[i]; });
  });
}

} // namespace llie::host
