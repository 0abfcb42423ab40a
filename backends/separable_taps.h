// The per-axis tap tables of the separable spatial maps (pad, resize and average pooling are
// y = Rh·x·Rwᵀ over the last two axes), built at prepare time, one copy for the host gradient
// kernels (host_grad_movement.cpp: the adjoints as race-free gathers) and the cuda separable
// family (cuda/separable.cpp: average pooling and the same adjoints on the device). Taps come
// from the host backends' own formulas: host::padTable, op_geometry.h's nearestSrc / linearTap,
// and reference/pool.cpp's pooling windows.
#pragma once
#include "backends/op_geometry.h"

#include <cstdint>
#include <vector>

namespace llie::kernels {

/// Output index `out` reads input index `in` with weight `w`.
struct Tap {
  int64_t out, in;
  double w;
};

/// pad along one axis: output o reads the input its PadMode names (none: the constant).
std::vector<Tap> padTaps(int64_t out, int64_t before, int64_t size, PadMode mode);
/// resize along one axis: PyTorch's nearest source, or its two bilinear taps.
std::vector<Tap> resizeTaps(int64_t out, int64_t in, bool nearest, bool alignCorners);

/// The in-image part [s, e) of every pooling window along one axis, and the window clipped to
/// the padded input (count_include_pad's divisor factor), as reference/pool.cpp.
struct PoolAxis {
  std::vector<int64_t> s, e, span;
};
PoolAxis poolAxis(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t padL, int64_t padR);
/// Average pooling's taps along the rows (OH outputs over H) and the columns (OW over W): output
/// o reads its in-image window with weight 1/div, div = the clipped window (include pad) or its
/// in-image part; the 2-D divisor is the product of the two axes' factors.
struct PlaneTaps {
  std::vector<Tap> rows, cols;
};
PlaneTaps avgPoolTaps(const PoolGeom& p, bool includePad);

/// One axis of taps bucketed (CSR) by one side's index, in tap order within a bucket: index i's
/// entries [begin[i], begin[i+1]) hold the other side's index `idx` and the weight `w`.
struct AxisTable {
  std::vector<int64_t> begin, idx;
  std::vector<double> w;
};
/// By output index: the map itself, each output gathering the inputs it reads.
AxisTable byOutput(int64_t out, const std::vector<Tap>& taps);
/// By input index: the adjoint, each input gathering the outputs that read it.
AxisTable byInput(int64_t in, const std::vector<Tap>& taps);

} // namespace llie::kernels
