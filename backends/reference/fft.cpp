// Reference FFT kernels (the oracle for the cpu backend's FFTW kernels): rfft2, irfft2,
// rfft2_grad and irfft2_grad as naive DFTs in double, straight from the definitions in
// fft_geometry.h, one axis at a time (O(H·W·(H+W)) per plane, no fast transform):
//   to complex:  T[m,l] = Σ_n x[m,n]·e^{−2πi·ln/W};  Z[k,l] = w_l·Σ_m T[m,l]·e^{−2πi·km/H}
//   to real:     T[m,l] = Σ_k Z[k,l]·e^{+2πi·km/H};  y[m,n] = Σ_l c_l·w_l·Re(T[m,l]·e^{+2πi·ln/W})
// Twiddles are cos/sin of 2π·((j·k) mod N)/N, exact to double rounding.
#include "backends/fft_geometry.h"
#include "backends/kernel_util.h"
#include "backends/reference/ref_kernels.h"

#include <cmath>
#include <complex>
#include <numbers>

namespace llie::ref {
namespace {

using cd = std::complex<double>;

/// e^{sign·2πi·j/N} for j in [0, N).
std::vector<cd> twiddles(int64_t N, double sign) {
  std::vector<cd> t(N);
  for (int64_t j = 0; j < N; ++j) {
    const double a = sign * 2 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(N);
    t[j] = cd(std::cos(a), std::sin(a));
  }
  return t;
}

void toComplexPlane(const fft::Geometry& geo, const float* x, float* z) {
  const int64_t H = geo.H, W = geo.W, Wh = geo.Wh;
  const auto tw = twiddles(W, -1), th = twiddles(H, -1);
  std::vector<cd> T(H * Wh);
  for (int64_t m = 0; m < H; ++m)
    for (int64_t l = 0; l < Wh; ++l) {
      cd s = 0;
      for (int64_t n = 0; n < W; ++n)
        s += static_cast<double>(x[m * W + n]) * tw[(l * n) % W];
      T[m * Wh + l] = s;
    }
  for (int64_t k = 0; k < H; ++k)
    for (int64_t l = 0; l < Wh; ++l) {
      cd s = 0;
      for (int64_t m = 0; m < H; ++m)
        s += T[m * Wh + l] * th[(k * m) % H];
      s *= geo.weight[l];
      z[2 * (k * Wh + l)] = static_cast<float>(s.real());
      z[2 * (k * Wh + l) + 1] = static_cast<float>(s.imag());
    }
}

void toRealPlane(const fft::Geometry& geo, const float* z, float* y) {
  const int64_t H = geo.H, W = geo.W, Wh = geo.Wh;
  const auto tw = twiddles(W, +1), th = twiddles(H, +1);
  std::vector<cd> T(H * Wh);
  for (int64_t m = 0; m < H; ++m)
    for (int64_t l = 0; l < Wh; ++l) {
      cd s = 0;
      for (int64_t k = 0; k < H; ++k) {
        const cd zk(z[2 * (k * Wh + l)], z[2 * (k * Wh + l) + 1]);
        s += zk * th[(k * m) % H];
      }
      T[m * Wh + l] = s * (fft::multiplicity(l, W) * geo.weight[l]);
    }
  for (int64_t m = 0; m < H; ++m)
    for (int64_t n = 0; n < W; ++n) {
      double s = 0;
      for (int64_t l = 0; l < Wh; ++l)
        s += (T[m * Wh + l] * tw[(l * n) % W]).real();
      y[m * W + n] = static_cast<float>(s);
    }
}

Expected<std::unique_ptr<Kernel>> makeFft(const Graph& g, const Node& n) {
  LLIE_ASSIGN_OR_RETURN(fft::Geometry geo, fft::geometryOf(g, n));
  if (geo.planes == 0) return kernels::noopKernel();
  return kernels::makeFnKernel([geo](const auto& in, const auto& out) {
    const float* x = in[0]->f32();
    float* y = out[0]->f32();
    const int64_t hw = geo.H * geo.W, spec = 2 * geo.H * geo.Wh;
#pragma omp parallel for schedule(static) if (geo.planes > 1 && geo.planes * hw >= (1 << 14))
    for (int64_t p = 0; p < geo.planes; ++p) {
      if (geo.toComplex)
        toComplexPlane(geo, x + p * hw, y + p * spec);
      else
        toRealPlane(geo, x + p * spec, y + p * hw);
    }
  });
}

} // namespace

void registerFft(Registry& r) {
  for (OpKind k : {OpKind::Rfft2, OpKind::Irfft2, OpKind::Rfft2Grad, OpKind::Irfft2Grad})
    r.addHost<makeFft>(k);
}

} // namespace llie::ref
