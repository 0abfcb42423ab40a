// The synthetic low-light model (gamma/exposure darkening, Poisson shot noise, Gaussian read
// noise) and an exact Poisson sampler on llie's Rng (see synthetic.h).
#include "runtime/data/synthetic.h"

#include <algorithm>
#include <cmath>

namespace llie::data {

DarkenDraw drawDarken(const SyntheticParams& p, Rng& rng) {
  DarkenDraw d;
  d.gamma = rng.uniform(p.gammaLo, p.gammaHi);
  d.scale = rng.uniform(p.scaleLo, p.scaleHi);
  d.peak = rng.uniform(p.peakLo, p.peakHi);
  d.sigma = rng.uniform(p.sigmaLo, p.sigmaHi);
  return d;
}

int64_t poisson(double lam, Rng& rng) {
  if (!(lam > 0.0)) return 0;
  if (lam < 10.0) { // Knuth: count uniforms until their product drops below e^-lambda
    const double limit = std::exp(-lam);
    double prod = rng.uniform();
    int64_t k = 0;
    while (prod > limit) {
      ++k;
      prod *= rng.uniform();
    }
    return k;
  }
  // PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993).
  const double slam = std::sqrt(lam), loglam = std::log(lam);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double U = rng.uniform() - 0.5;
    const double V = rng.uniform();
    const double us = 0.5 - std::fabs(U);
    const double k = std::floor((2.0 * a / us + b) * U + lam + 0.43);
    if (us >= 0.07 && V <= vr) return static_cast<int64_t>(k);
    if (k < 0.0 || (us < 0.013 && V > us)) continue;
    if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lam + k * loglam - std::lgamma(k + 1.0))
      return static_cast<int64_t>(k);
  }
}

HostTensor darkenWith(const HostTensor& x, const DarkenDraw& d, Rng& rng) {
  HostTensor out(x.shape);
  const float* src = x.f32();
  float* dst = out.f32();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double v = std::clamp(static_cast<double>(src[i]), 0.0, 1.0);
    const double y = d.scale * std::pow(v, d.gamma);
    const double shot = static_cast<double>(poisson(y * d.peak, rng)) / d.peak;
    const double noisy = shot + d.sigma * rng.normal();
    dst[i] = static_cast<float>(std::clamp(noisy, 0.0, 1.0));
  }
  return out;
}

HostTensor synthesizeLowLight(const HostTensor& x, const SyntheticParams& p, uint64_t seed,
                              uint64_t index, DarkenDraw* used) {
  uint64_t s = seed;
  uint64_t mixed = splitmix64(s) ^ (index * 0xD1B54A32D192ED03ull);
  Rng rng(splitmix64(mixed));
  DarkenDraw d = drawDarken(p, rng);
  if (used) *used = d;
  return darkenWith(x, d, rng);
}

} // namespace llie::data
