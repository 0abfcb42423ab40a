// What the FFT kernels of both host backends agree on (the FFTW kernels in host_fft.cpp and the
// reference backend's naive DFT in reference/fft.cpp): a node's planes, H, W and spectrum width,
// checked against its shapes, and the per-column weights that turn the two transforms into the
// four ops. A real-to-complex op computes Z[k,l] = w_l·Σ x[m,n]·e^{−2πi(km/H + ln/W)}
// (l < W//2+1); a complex-to-real op computes y[m,n] = Re Σ c_l·w_l·Z[k,l]·e^{+2πi(km/H + ln/W)}
// with c_l the Hermitian multiplicity of column l (2 for the interior columns 1 .. ceil(W/2)−1,
// else 1), which is FFTW's unnormalised c2r transform, also on non-Hermitian spectra.
#pragma once
#include "backends/backend.h"

#include <vector>

namespace llie::fft {

struct Geometry {
  int64_t planes = 0, H = 0, W = 0, Wh = 0; ///< Wh = W//2 + 1 spectrum columns
  bool toComplex = false;                   ///< rfft2, irfft2_grad; else irfft2, rfft2_grad
  std::vector<double> weight;               ///< w_l per spectrum column
};

/// The geometry of an rfft2, irfft2, rfft2_grad or irfft2_grad node, or an error value when
/// its shapes disagree.
Expected<Geometry> geometryOf(const Graph& g, const Node& n);

/// c_l: 2 for the interior columns, 1 for column 0 and (W even) column W/2.
inline double multiplicity(int64_t l, int64_t W) {
  return (l >= 1 && l <= (W + 1) / 2 - 1) ? 2.0 : 1.0;
}

} // namespace llie::fft
