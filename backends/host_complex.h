// Host kernels of the pointwise complex ops, shared by both host backends (they compute in
// double and round once, so they are their own oracle; tests compare them with naive formulas
// and finite differences): complex_abs, complex_angle, polar (NumPy broadcasting of A and Φ),
// their gradients complex_abs_grad, complex_angle_grad and polar_grad, and `add` of two c64
// tensors of one shape (how the backward pass sums the gradients of a spectrum that feeds
// several consumers). Complex tensors are interleaved float pairs (re, im).
#pragma once
#include "backends/kernel_registry.h"

namespace llie::host {

Expected<std::unique_ptr<Kernel>> makeComplexToReal(const Graph& g, const Node& n); // abs, angle
Expected<std::unique_ptr<Kernel>> makePolar(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeComplexGrad(const Graph& g, const Node& n); // abs, angle
Expected<std::unique_ptr<Kernel>> makePolarGrad(const Graph& g, const Node& n);
/// add(a, b) for two c64 tensors of equal shape; the binary families call it for c64 nodes.
Expected<std::unique_ptr<Kernel>> makeComplexAdd(const Graph& g, const Node& n);

template <class... Ctx> void registerComplexKernels(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeComplexToReal>(OpKind::ComplexAbs);
  r.template addHost<makeComplexToReal>(OpKind::ComplexAngle);
  r.template addHost<makePolar>(OpKind::Polar);
  r.template addHost<makeComplexGrad>(OpKind::ComplexAbsGrad);
  r.template addHost<makeComplexGrad>(OpKind::ComplexAngleGrad);
  r.template addHost<makePolarGrad>(OpKind::PolarGrad);
}

} // namespace llie::host
