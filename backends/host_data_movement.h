// The data-movement kernel family both host backends share, since it moves floats without any
// arithmetic (nothing here could make the reference a weaker oracle): reshape and stop_grad
// (copies), permute / slice / expand / pixel_shuffle / pixel_unshuffle (strided gathers) and pad
// of the last two axes; slice also over 4-D tensors stored channels-last (the cpu backend's).
#pragma once
#include "backends/kernel_registry.h"

#include <vector>

namespace llie::host {

/// Source index of every output position along one padded axis (-1: the constant value): how
/// pad reads, and what pad_grad (host_grad_movement.cpp) runs backwards.
std::vector<int64_t> padTable(int64_t out, int64_t before, int64_t size, PadMode mode);

Expected<std::unique_ptr<Kernel>> makeCopy(const Graph& g, const Node& n);
/// permute, slice, expand, pixel_shuffle, pixel_unshuffle: one strided gather each
/// (gather_geometry.h).
Expected<std::unique_ptr<Kernel>> makeGather(const Graph& g, const Node& n);
/// slice of a 4-D tensor stored channels-last (NHWC) into one stored so: the cpu backend's.
Expected<std::unique_ptr<Kernel>> makeSliceChannelsLast(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makePad(const Graph& g, const Node& n);

template <class... Ctx> void registerDataMovement(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeCopy>(OpKind::Reshape);
  r.template addHost<makeCopy>(OpKind::StopGrad);
  for (OpKind k : {OpKind::Permute, OpKind::Slice, OpKind::Expand, OpKind::PixelShuffle,
                   OpKind::PixelUnshuffle})
    r.template addHost<makeGather>(k);
  r.template addHost<makePad>(OpKind::Pad);
}

} // namespace llie::host
