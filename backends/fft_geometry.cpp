// fft_geometry.h: the planes and sizes of an FFT node and each op's column weights:
//   rfft2        w_l = 1                 irfft2        w_l = 1/(HW)
//   irfft2_grad  w_l = c_l/(HW)          rfft2_grad    w_l = 1/c_l
// (rfft2_grad's 1/c_l undoes the c2r's doubling, leaving Re of the inverse DFT of the
// zero-filled spectrum; irfft2_grad's c_l doubles the interior columns.)
#include "backends/fft_geometry.h"

#include "backends/kernel_util.h"

namespace llie::fft {

Expected<Geometry> geometryOf(const Graph& g, const Node& n) {
  Geometry geo;
  geo.toComplex = n.op == OpKind::Rfft2 || n.op == OpKind::Irfft2Grad;
  const kernels::Dims real = geo.toComplex ? kernels::inShape(g, n, 0) : kernels::outShape(g, n);
  const kernels::Dims spec = geo.toComplex ? kernels::outShape(g, n) : kernels::inShape(g, n, 0);
  const size_t r = real.size();
  if (r < 2 || spec.size() != r) return kernels::badNode(n, "needs rank >= 2 on both sides");
  geo.H = real[r - 2], geo.W = real[r - 1], geo.Wh = geo.W / 2 + 1;
  kernels::Dims expect = real;
  expect.back() = geo.Wh;
  if (spec != expect) return kernels::badNode(n, "the spectrum is not [.., H, W//2+1]");
  geo.planes = geo.H * geo.W == 0 ? 0 : numel(real) / (geo.H * geo.W);
  const double hw = static_cast<double>(geo.H * geo.W);
  for (int64_t l = 0; l < geo.Wh; ++l) {
    const double c = multiplicity(l, geo.W);
    switch (n.op) {
    case OpKind::Rfft2:
      geo.weight.push_back(1.0);
      break;
    case OpKind::Irfft2:
      geo.weight.push_back(1.0 / hw);
      break;
    case OpKind::Irfft2Grad:
      geo.weight.push_back(c / hw);
      break;
    case OpKind::Rfft2Grad:
      geo.weight.push_back(1.0 / c);
      break;
    default:
      return kernels::badNode(n, "not an FFT op");
    }
  }
  return geo;
}

} // namespace llie::fft
