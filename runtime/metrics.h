// Image-quality metrics for evaluating enhancement against ground truth: PSNR and SSIM, computed
// in double precision on [N, C, H, W] f32 tensors in [0, 1], as `llie-run MODEL eval` reports
// them. SSIM follows the common PyTorch formulation (Wang et al. 2004 as implemented by
// pytorch-ssim and most LLIE papers' code): an 11x11 normalised Gaussian window with sigma 1.5,
// applied to each channel separately, "valid" (no padding), C1 = 0.01^2, C2 = 0.03^2, and the
// SSIM map averaged over pixels, channels and batch. Published numbers are often computed on
// images saved as 8-bit; MetricInput::Uint8 reproduces that by quantising both inputs first.
#pragma once
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <vector>

namespace llie {

/// How the inputs are taken before measuring.
enum class MetricInput {
  Float, ///< as given (no clamping, no rounding)
  Uint8, ///< clamp to [0, 1], then round to 8 bits: floor(x·255 + 0.5) / 255 (as savePng writes)
};

/// floor(clamp(x, 0, 1)·255 + 0.5) / 255 elementwise (NaN -> 0); same shape, f32.
HostTensor quantizeToUint8(const HostTensor& x);

/// Peak signal-to-noise ratio 10·log10(dataRange² / MSE), the MSE taken over all elements with
/// double accumulation. Identical inputs (MSE = 0) give +infinity. Errors: different shapes,
/// non-f32 tensors, empty tensors, dataRange <= 0. With MetricInput::Uint8 dataRange should be 1.
Expected<double> psnr(const HostTensor& a, const HostTensor& b, double dataRange = 1.0,
                      MetricInput mode = MetricInput::Float);

/// Structural similarity (see the file comment for the exact definition; data range 1). Both
/// inputs must be f32 [N, C, H, W] of equal shape with H, W >= 11; anything else is an error.
/// SSIM(x, x) = 1 and SSIM(a, b) = SSIM(b, a).
Expected<double> ssim(const HostTensor& a, const HostTensor& b,
                      MetricInput mode = MetricInput::Float);

/// The normalised 1-D Gaussian of the SSIM window (11 taps, sigma 1.5, sum 1); the 2-D window
/// is its outer product with itself.
std::vector<double> ssimGaussian1d();

} // namespace llie
