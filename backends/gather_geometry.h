// The data-movement ops that are one strided gather each (permute, slice, expand, pixel_shuffle,
// pixel_unshuffle), read from the node once for the host family (host_data_movement.cpp) and
// the cuda backend (cuda/data_movement.cpp): the output walked row-major over `shape`, each
// element read at base + Σ idx_d · strides[d] of the input; and slice_grad, slice's adjoint
// (host_grad_movement.cpp, cuda/grad_movement.cpp). Integer shape arithmetic only, like
// op_geometry.h; a malformed node is a badNode error value.
#pragma once
#include "backends/kernel_util.h"

namespace llie::kernels {

struct GatherGeom {
  Dims shape, strides;
  int64_t base = 0;
};

/// The gather of a permute / slice / expand / pixel_shuffle / pixel_unshuffle node. With
/// channelsLast (slice only: the cpu backend's NHWC values), x and y are 4-D tensors stored
/// channels-last and the gather walks y in its memory order [N, H, W, C].
Expected<GatherGeom> gatherGeometry(const Graph& g, const Node& n, bool channelsLast = false);

/// slice_grad (x, dy) -> dx of x's shape: x viewed as [outer, X, inner] around the slice axis
/// and dy as [outer, Y, inner]; dy's index i along the axis lands on x's start + i·step.
struct SliceGradGeom {
  int64_t outer, X, Y, inner, start, step;
};
Expected<SliceGradGeom> sliceGradGeometry(const Graph& g, const Node& n);

} // namespace llie::kernels
