// cuda-vs-cpu cases for the FFT family on cuFFT: rfft2, irfft2 (on random, so not
// Hermitian-consistent, spectra: the c2r convention must match the host's), rfft2_grad and
// irfft2_grad, with even and odd widths, rank 3 and 4, and a larger image; and the pointwise
// complex ops: complex_abs, complex_angle, polar (broadcasting) and their gradients, and add of
// two c64 tensors (exact).
#include "tests/gpu/gpu_test_util.h"

#include <tuple>

namespace llie::bt {
namespace {

FftAttrs sizeOf(int64_t H, int64_t W) {
  FftAttrs a;
  a.size = {Dim::constant(H), Dim::constant(W)};
  return a;
}

std::vector<GpuCase> fftCases() {
  struct S {
    const char* name;
    Dims lead;
    int64_t H, W;
  };
  std::vector<GpuCase> r;
  for (S s : {S{"even", {2, 3}, 8, 8}, S{"odd_width", {1, 2}, 6, 7}, S{"rank3", {3}, 5, 4},
              S{"large", {1, 4}, 32, 48}}) {
    Dims real = s.lead, spec = s.lead;
    real.insert(real.end(), {s.H, s.W});
    spec.insert(spec.end(), {s.H, s.W / 2 + 1});
    const double atol = s.H * s.W > 256 ? 5e-4 : 1e-4;
    auto add = [&](std::string op, OpKind k, Attrs a, Dims in, Dims out, bool complexIn) {
      GpuCase c{op + "_" + s.name, k, std::move(a), {in}, {out}};
      c.atol = atol;
      if (complexIn)
        c.inTypes = {DType::C64};
      else
        c.outTypes = {DType::C64};
      r.push_back(std::move(c));
    };
    add("rfft2", OpKind::Rfft2, NoAttrs{}, real, spec, false);
    add("irfft2", OpKind::Irfft2, sizeOf(s.H, s.W), spec, real, true);
    add("rfft2_grad", OpKind::Rfft2Grad, sizeOf(s.H, s.W), spec, real, true);
    add("irfft2_grad", OpKind::Irfft2Grad, NoAttrs{}, real, spec, false);
  }
  return r;
}

std::vector<GpuCase> complexCases() {
  const Dims z = {2, 3, 4, 5};
  std::vector<GpuCase> r;
  for (auto [op, grad, name] :
       {std::tuple{OpKind::ComplexAbs, OpKind::ComplexAbsGrad, "abs"},
        std::tuple{OpKind::ComplexAngle, OpKind::ComplexAngleGrad, "angle"}}) {
    GpuCase f{std::string("complex_") + name, op, NoAttrs{}, {z}, {z}};
    f.inTypes = {DType::C64};
    r.push_back(f);
    GpuCase g{std::string("complex_") + name + "_grad", grad, NoAttrs{}, {z, z}, {z}};
    g.inTypes = {DType::C64, DType::F32};
    g.outTypes = {DType::C64};
    r.push_back(g);
  }
  // polar with Φ broadcast over axes 0 and 2, and its gradient at dz's shape.
  const Dims phi = {1, 3, 1, 5};
  GpuCase p{"polar_broadcast", OpKind::Polar, NoAttrs{}, {z, phi}, {z}};
  p.ranges = {{0.f, 2.f}, {-3.f, 3.f}};
  p.outTypes = {DType::C64};
  r.push_back(p);
  GpuCase pg{"polar_grad_broadcast", OpKind::PolarGrad, NoAttrs{}, {z, phi, z}, {z, z}};
  pg.ranges = {{0.f, 2.f}, {-3.f, 3.f}, {-1.f, 1.f}};
  pg.inTypes = {DType::F32, DType::F32, DType::C64};
  r.push_back(pg);
  GpuCase add{"complex_add", OpKind::Add, NoAttrs{}, {z, z}, {z}};
  add.inTypes = {DType::C64, DType::C64};
  add.outTypes = {DType::C64};
  add.atol = 0, add.rtol = 0;
  r.push_back(add);
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaComplex, CudaMatchesCpu, ::testing::ValuesIn(complexCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaFft, CudaMatchesCpu, ::testing::ValuesIn(fftCases()), gpuCaseName);

} // namespace llie::bt
