// Host kernels for the gradients of data movement and of the separable spatial ops, written once
// as OpenMP loops:
//  - pad_grad and slice_grad, registered in both host backends as their forwards are
//    (host_data_movement.h): slice_grad scatters dy into zeros, pad_grad sums every output
//    position back onto the input element it was read from (reflect/replicate may read one
//    element several times), in double;
//  - avg_pool2d_grad, max_pool2d_grad and resize_grad for the cpu backend, whose oracle is the
//    reference backend's naive scatter loops (reference/pool_grad.cpp, resize_grad.cpp);
//    resize_grad also over channels-last dy and dx (the cpu backend's NHWC values, layout.h).
// Pad, resize and average pooling are separable linear maps y = Rh·x·Rwᵀ of the last two axes,
// so their adjoint is computed as a race-free gather dx = Rhᵀ·dy·Rw from per-axis tables built at
// prepare time (for every input index, the output indices that read it and their weights).
#pragma once
#include "backends/kernel_registry.h"

namespace llie::host {

Expected<std::unique_ptr<Kernel>> makePadGrad(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeSliceGrad(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeMaxPoolGrad(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeAvgPoolGrad(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n);
/// resize_grad with dy and dx (4-D) stored with groups of `inner` channels innermost, as
/// [N·C/inner, H, W, inner]: channels-last (NHWC) with inner = C, oneDNN's nChw16c with
/// inner = 16 (the cpu backend's layout.h).
Expected<std::unique_ptr<Kernel>> makeResizeGradChannelsInner(const Graph& g, const Node& n,
                                                              int64_t inner);

/// pad_grad and slice_grad: both host backends.
template <class... Ctx> void registerGradMovement(kernels::Registry<Ctx...>& r) {
  r.template addHost<makePadGrad>(OpKind::PadGrad);
  r.template addHost<makeSliceGrad>(OpKind::SliceGrad);
}

/// Pooling and resize gradients: the cpu backend (the reference has its own oracles).
template <class... Ctx> void registerSpatialGrads(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeMaxPoolGrad>(OpKind::MaxPool2dGrad);
  r.template addHost<makeAvgPoolGrad>(OpKind::AvgPool2dGrad);
  r.template addHost<makeResizeGrad>(OpKind::ResizeGrad);
}

} // namespace llie::host
