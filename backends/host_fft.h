// The cpu backend's FFT kernels on FFTW3 (single precision): rfft2, irfft2 and their gradients
// rfft2_grad and irfft2_grad, each one 2-D transform per plane of the leading axes. The
// reference backend's oracle is a naive DFT in double (reference/fft.cpp); both follow the
// column weights of fft_geometry.h.
#pragma once
#include "backends/kernel_registry.h"

namespace llie::host {

/// rfft2, irfft2, rfft2_grad or irfft2_grad: the plan is made at prepare time for the node's
/// shape (FFTW_ESTIMATE, under a lock: FFTW's planner is not thread-safe).
Expected<std::unique_ptr<Kernel>> makeFftw(const Graph& g, const Node& n);

template <class... Ctx> void registerFftw(kernels::Registry<Ctx...>& r) {
  for (OpKind k : {OpKind::Rfft2, OpKind::Irfft2, OpKind::Rfft2Grad, OpKind::Irfft2Grad})
    r.template addHost<makeFftw>(k);
}

} // namespace llie::host
