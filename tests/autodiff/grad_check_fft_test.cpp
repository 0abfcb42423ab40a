// Finite-difference checks of the FFT and complex gradient rules (rfft2, irfft2, complex_abs,
// complex_angle, polar; harness: grad_check.h). The harness's loss needs a real output, so every
// case ends in a real value: rfft2 is read out through complex_abs or complex_angle, and the
// complex inputs of irfft2 and polar are made by polar from real parameters. irfft2 gets spectra
// that are not Hermitian-consistent (arbitrary A and Φ), so its columns 0 and W/2 check that the
// gradient is the exact derivative of the c2r transform the kernels compute (ops.def). Angle
// cases use odd sizes and positive inputs so that the only real bin (DC) stays away from the
// branch cut; the FreBlock chain shifts the phase (polar is 2π-periodic in it, so no cut).
#include "tests/autodiff/grad_check.h"

namespace llie::gradcheck {
namespace {

FftAttrs fftSize(int64_t h, int64_t w) {
  return FftAttrs{{Dim::constant(h), Dim::constant(w)}};
}

constexpr float kPi = 3.14159265f;

ValueId spectrumOf(GC& c, const Dims& x, Dist d = {}) {
  return c.op(OpKind::Rfft2, {c.param(x, d)});
}

/// irfft2(polar(A, Φ)) of an arbitrary (non-Hermitian) spectrum of `spec`'s shape.
ValueId inverseOfPolar(GC& c, const Dims& spec, int64_t h, int64_t w) {
  ValueId z = c.op(OpKind::Polar, {c.param(spec, {0.2f, 1.5f}), c.param(spec, {-kPi, kPi})});
  return c.op(OpKind::Irfft2, fftSize(h, w), {z});
}

/// x → rfft2 → |Z|·s (1×1 conv over channels), angle(Z) + c → polar → irfft2, plus x.
ValueId freBlock(GC& c) {
  ValueId x = c.param({1, 2, 4, 6});
  ValueId z = c.op(OpKind::Rfft2, {x});
  ValueId amp = c.op(OpKind::ComplexAbs, {z});
  ValueId phase = c.op(OpKind::ComplexAngle, {z});
  ValueId amp2 = c.op(OpKind::Conv2d, Conv2dAttrs{}, {amp, c.param({2, 2, 1, 1}), c.param({2})});
  ValueId phase2 = c.op(OpKind::Add, {phase, c.param({2, 1, 1})});
  ValueId y = c.op(OpKind::Irfft2, fftSize(4, 6), {c.op(OpKind::Polar, {amp2, phase2})});
  return c.op(OpKind::Add, {y, x});
}

std::vector<Case> fftCases() {
  std::vector<Case> v;
  v.push_back({"rfft2_even_w_abs", OpKind::Rfft2, [](GC& c) {
                 return c.op(OpKind::ComplexAbs, {spectrumOf(c, {2, 2, 4, 6})});
               }});
  v.push_back({"rfft2_odd_w_abs", OpKind::Rfft2, [](GC& c) {
                 return c.op(OpKind::ComplexAbs, {spectrumOf(c, {3, 5, 5})});
               }});
  v.push_back({"complex_abs", OpKind::ComplexAbs, [](GC& c) {
                 return c.op(OpKind::ComplexAbs, {spectrumOf(c, {1, 2, 3, 4})});
               }});
  v.push_back({"complex_angle", OpKind::ComplexAngle, [](GC& c) {
                 return c.op(OpKind::ComplexAngle, {spectrumOf(c, {2, 1, 3, 5}, {0.1f, 1})});
               }});
  v.push_back({"irfft2_even_w", OpKind::Irfft2, [](GC& c) {
                 return inverseOfPolar(c, {2, 1, 4, 4}, 4, 6);
               }});
  v.push_back({"irfft2_odd_w", OpKind::Irfft2, [](GC& c) {
                 return inverseOfPolar(c, {1, 2, 3, 4}, 3, 7);
               }});
  v.push_back({"irfft2_odd_h_even_w", OpKind::Irfft2, [](GC& c) {
                 return inverseOfPolar(c, {5, 3}, 5, 4);
               }});
  v.push_back({"polar_broadcast", OpKind::Polar, [](GC& c) {
                 ValueId z = c.op(OpKind::Polar, {c.param({2, 2, 4, 4}, {-1.5f, 1.5f}),
                                                  c.param({2, 1, 1}, {-kPi, kPi})});
                 return c.op(OpKind::Irfft2, fftSize(4, 6), {z});
               }});
  v.push_back({"freblock_chain", OpKind::Polar, freBlock});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Fft, GradCheck, ::testing::ValuesIn(registerGradCases(fftCases())),
                         caseName);

} // namespace
} // namespace llie::gradcheck
