// The synthetic low-light model used to make (dark, normal) training pairs from normal photos,
// the model of scripts/darken.py and scripts/make_dataset.sh. From a normal image x in [0, 1]:
//
//     y   = scale * x^gamma                     gamma ~ U[2.0, 2.6], scale ~ U[0.15, 0.5]
//     y'  = Poisson(peak * y) / peak            peak (photons at full scale) ~ U[100, 400]
//         + Normal(0, sigma^2)                  read noise sigma ~ U[0.002, 0.01]
//     out = clamp(y', 0, 1)
//
// gamma darkens the tone curve, scale is the exposure drop; shot noise has variance y/peak and
// read noise sigma^2, so on a flat patch Var(out) ≈ y/peak + sigma^2 (before clamping). Because
// x^gamma <= x on [0, 1], mean(out) <= 0.5·mean(x) up to noise; for the gradient 0..1 (mean 0.5)
// it is scale/(gamma+1), i.e. in [0.041, 0.167]. The four parameters are drawn once per image;
// everything is deterministic for (seed, index) on every platform (llie's own Rng, not numpy's,
// so the numbers differ from darken.py's for the same seed; the distributions are the same).
#pragma once
#include "runtime/rng.h"
#include "runtime/tensor.h"

#include <cstdint>

namespace llie::data {

/// Parameter ranges (uniform, inclusive-exclusive).
struct SyntheticParams {
  double gammaLo = 2.0, gammaHi = 2.6;
  double scaleLo = 0.15, scaleHi = 0.5;
  double peakLo = 100.0, peakHi = 400.0;
  double sigmaLo = 0.002, sigmaHi = 0.01;
};

/// The parameters drawn for one image.
struct DarkenDraw {
  double gamma = 2.2, scale = 0.3, peak = 300.0, sigma = 0.004;
};

/// Draws gamma, scale, peak, sigma (in that order) from rng.
DarkenDraw drawDarken(const SyntheticParams& p, Rng& rng);

/// A Poisson(lambda) sample (exact: multiplication method below 10, Hörmann's PTRS above,
/// as numpy does). lambda <= 0 gives 0.
int64_t poisson(double lambda, Rng& rng);

/// Applies the model with fixed parameters; noise comes from rng. Any shape.
HostTensor darkenWith(const HostTensor& x, const DarkenDraw& d, Rng& rng);

/// The model with parameters and noise drawn from the stream for (seed, index): the same
/// (x, seed, index) always gives the same output. `used` receives the parameters when non-null.
HostTensor synthesizeLowLight(const HostTensor& x, const SyntheticParams& p, uint64_t seed,
                              uint64_t index, DarkenDraw* used = nullptr);

} // namespace llie::data
