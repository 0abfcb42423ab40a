// drop_path (DeiT's stochastic depth) on the host, for both host backends:
//   drop_path(x): the inference form, a copy;
//   drop_path_train(x, step): sample i along axis 0 is zeroed when u(seed, step, i) < p and
//     otherwise scaled by 1/(1-p), where u is a splitmix64 hash of the node's seed, the scalar
//     step and i mapped to [0, 1). The mask thus depends only on (node, step, sample): the same
//     step draws the same mask on every run and after a resume, and the gradient (the same op on
//     dy) sees the forward's mask. p >= 1 zeroes everything, p <= 0 is a copy.
#include "backends/train/train_kernels.h"

#include "backends/host_loops.h"
#include "backends/train/train_loops.h"
#include "runtime/rng.h"

#include <cmath>

namespace llie::train {

double dropPathUniform(int64_t seed, int64_t step, int64_t sample) {
  uint64_t s = static_cast<uint64_t>(seed);
  uint64_t h = splitmix64(s);
  s = h ^ static_cast<uint64_t>(step);
  h = splitmix64(s);
  s = h ^ static_cast<uint64_t>(sample);
  h = splitmix64(s);
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

Expected<std::unique_ptr<Kernel>> makeDropPath(const Graph& g, const Node& n) {
  if (kernels::outShape(g, n) != kernels::inShape(g, n, 0))
    return kernels::badNode(n, "output shape differs from input");
  return kernels::makeFnKernel([](const auto& in, const auto& out) {
    host::parallelCopy(out[0]->f32(), in[0]->f32(), in[0]->numel());
  });
}

Expected<std::unique_ptr<Kernel>> makeDropPathTrain(const Graph& g, const Node& n) {
  Dims x = kernels::inShape(g, n, 0);
  if (kernels::outShape(g, n) != x) return kernels::badNode(n, "output shape differs from input");
  if (numel(kernels::inShape(g, n, 1)) != 1) return kernels::badNode(n, "step is not a scalar");
  const auto& a = attrsOf<DropAttrs>(n);
  const double p = a.p;
  const int64_t seed = a.seed;
  const int64_t samples = x.empty() ? 1 : x[0];
  const int64_t per = samples > 0 ? numel(x) / samples : 0;
  const float scale = p < 1 ? static_cast<float>(1.0 / (1.0 - p)) : 0.f;
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* X = in[0]->f32();
    float* Y = out[0]->f32();
    const int64_t step = std::llround(scalarOf(in[1]));
    for (int64_t i = 0; i < samples; ++i) {
      const bool keep = p <= 0 || (p < 1 && dropPathUniform(seed, step, i) >= p);
      const float f = p <= 0 ? 1.f : (keep ? scale : 0.f);
      const float* xs = X + i * per;
      float* ys = Y + i * per;
      parallelFor(per, [&](int64_t k) { ys[k] = xs[k] * f; });
    }
  });
}

} // namespace llie::train
