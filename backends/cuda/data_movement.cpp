// The cuda data-movement family: reshape and stop_grad (a device copy, nothing when the
// executor aliases the buffers), permute / slice / expand / pixel_shuffle / pixel_unshuffle (one
// strided gather each, its geometry read the way the host family reads it:
// host_data_movement.cpp), pad of the last two axes (constant, reflect, replicate), concat
// (one 2-D strided copy per input) and resize of the last two axes (nearest, bilinear; PyTorch's
// source coordinates as op_geometry.h computes them). All but bilinear resize are pure copies,
// so their results are exact.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/op_geometry.h"

#include <algorithm>

namespace llie::cuda {
namespace {

using kernels::Dims;

std::string checkRank(const Graph& g, const Node& n) {
  if (kernels::outShape(g, n).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

Expected<std::unique_ptr<Kernel>> gatherKernel(const Node& n, const CudaCtxPtr& ctx,
                                               const Dims& shape, const Dims& strides,
                                               int64_t base) {
  if (shape.size() > static_cast<size_t>(dev::kMaxRank))
    return kernels::unsupported(n, "cuda", "more than " + std::to_string(dev::kMaxRank) + " axes");
  dev::Gather g;
  g.rank = static_cast<int>(shape.size());
  for (size_t d = 0; d < shape.size(); ++d)
    g.dims[d] = shape[d], g.strides[d] = strides[d];
  g.base = base;
  int64_t count = numel(shape);
  return kernels::makeFnKernel([ctx, g, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::gather(ctx->stream, in[0]->f32(), out[0]->f32(), g, count));
  });
}

Expected<std::unique_ptr<Kernel>> makeCopy(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  if (numel(kernels::inShape(g, n, 0)) != numel(kernels::outShape(g, n)))
    return kernels::badNode(n, "element counts differ");
  return kernels::makeFnKernel([ctx](const auto& in, const auto& out) {
    if (in[0]->data == out[0]->data || out[0]->bytes() == 0) return;
    LLIE_CUDA_CHECK(cudaMemcpyAsync(out[0]->data, in[0]->data, out[0]->bytes(),
                                    cudaMemcpyDeviceToDevice, ctx->stream));
  });
}

Expected<std::unique_ptr<Kernel>> makePermute(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  const auto& perm = attrsOf<PermuteAttrs>(n).perm;
  int64_t r = static_cast<int64_t>(x.size());
  if (static_cast<int64_t>(perm.size()) != r || static_cast<int64_t>(y.size()) != r)
    return kernels::badNode(n, "perm length");
  Dims xs = kernels::stridesOf(x), strides(r);
  std::vector<bool> seen(r, false);
  for (int64_t d = 0; d < r; ++d) {
    int64_t p = kernels::normAxis(perm[d], r);
    if (p < 0 || seen[p] || y[d] != x[p]) return kernels::badNode(n, "not a permutation");
    seen[p] = true;
    strides[d] = xs[p];
  }
  return gatherKernel(n, ctx, y, strides, 0);
}

Expected<std::unique_ptr<Kernel>> makeSlice(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<SliceAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  int64_t axis = kernels::normAxis(a.axis, static_cast<int64_t>(x.size()));
  if (axis < 0 || y.size() != x.size() || a.step < 1) return kernels::badNode(n, "axis/step");
  int64_t start = a.start.off;
  if (start < 0) start += x[axis];
  start = std::clamp<int64_t>(start, 0, x[axis]);
  if (y[axis] > 0 && start + (y[axis] - 1) * a.step >= x[axis])
    return kernels::badNode(n, "slice runs past the input");
  Dims strides = kernels::stridesOf(x);
  int64_t base = start * strides[axis];
  strides[axis] *= a.step;
  return gatherKernel(n, ctx, y, strides, base);
}

Expected<std::unique_ptr<Kernel>> makeExpand(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  Dims strides;
  if (x.size() > y.size() || !kernels::broadcastStrides(kernels::padLeft(x, y.size()), y, strides))
    return kernels::badNode(n, "input does not broadcast to the output");
  return gatherKernel(n, ctx, y, strides, 0);
}

Expected<std::unique_ptr<Kernel>> makePixelShuffle(const Graph& g, const Node& n,
                                                   const CudaCtxPtr& ctx) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  if (r < 1 || x.size() != 4 || x[1] % (r * r) ||
      y != Dims{x[0], x[1] / (r * r), x[2] * r, x[3] * r})
    return kernels::badNode(n, "shapes disagree with the factor");
  int64_t C = y[1], H = x[2], W = x[3], plane = H * W;
  // y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w], y viewed as [N, C, H, r, W, r].
  return gatherKernel(n, ctx, {x[0], C, H, r, W, r},
                      {x[1] * plane, r * r * plane, W, r * plane, 1, plane}, 0);
}

Expected<std::unique_ptr<Kernel>> makePixelUnshuffle(const Graph& g, const Node& n,
                                                     const CudaCtxPtr& ctx) {
  int64_t r = attrsOf<PixelShuffleAttrs>(n).factor;
  Dims x = kernels::inShape(g, n, 0), y = kernels::outShape(g, n);
  if (r < 1 || x.size() != 4 || x[2] % r || x[3] % r ||
      y != Dims{x[0], x[1] * r * r, x[2] / r, x[3] / r})
    return kernels::badNode(n, "shapes disagree with the factor");
  int64_t C = x[1], H = x[2], W = x[3];
  // y[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j], y viewed as [N, C, r, r, H/r, W/r].
  return gatherKernel(n, ctx, {x[0], C, r, r, H / r, W / r}, {C * H * W, H * W, W, 1, r * W, r}, 0);
}

Expected<std::unique_ptr<Kernel>> makePad(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGeometry(g, n));
  const int64_t planes = p.planes, H = p.H, W = p.W, OH = p.OH, OW = p.OW;
  int64_t pt = a.pads[0], pl = a.pads[2];
  int mode = static_cast<int>(a.mode);
  float value = static_cast<float>(a.value);
  return kernels::makeFnKernel(
      [ctx, planes, H, W, OH, OW, pt, pl, mode, value](const auto& in, const auto& out) {
        LLIE_CUDA_CHECK(dev::padImage(ctx->stream, in[0]->f32(), out[0]->f32(), planes, H, W, OH,
                                      OW, pt, pl, mode, value));
      });
}

/// Each input is a block of extent·inner floats per outer index, placed at its running offset
/// along the axis: one 2-D copy (outer rows) per input.
Expected<std::unique_ptr<Kernel>> makeConcat(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(int64_t axis, kernels::concatAxis(g, n));
  Dims y = kernels::outShape(g, n);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= y[i];
  for (size_t i = axis + 1; i < y.size(); ++i)
    inner *= y[i];
  std::vector<int64_t> blocks; // floats per outer index, per input
  for (size_t i = 0; i < n.inputs.size(); ++i)
    blocks.push_back(kernels::inShape(g, n, i)[axis] * inner);
  int64_t rowOut = y[axis] * inner;
  return kernels::makeFnKernel([ctx, blocks, outer, rowOut](const auto& in, const auto& out) {
    float* Y = out[0]->f32();
    int64_t at = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i] > 0 && outer > 0)
        LLIE_CUDA_CHECK(cudaMemcpy2DAsync(Y + at, sizeof(float) * rowOut, in[i]->f32(),
                                          sizeof(float) * blocks[i], sizeof(float) * blocks[i],
                                          outer, cudaMemcpyDeviceToDevice, ctx->stream));
      at += blocks[i];
    }
  });
}

Expected<std::unique_ptr<Kernel>> makeResize(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::resizeGeometry(g, n));
  bool nearest = a.mode == ResizeMode::Nearest, ac = a.alignCorners;
  return kernels::makeFnKernel([ctx, p, nearest, ac](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::resize(ctx->stream, in[0]->f32(), out[0]->f32(), p.planes, p.H, p.W, p.OH,
                                p.OW, nearest, ac));
  });
}

} // namespace

void registerDataMovement(Registry& r) {
  r.add(OpKind::Resize, makeResize);
  r.add(OpKind::Reshape, makeCopy);
  r.add(OpKind::StopGrad, makeCopy);
  r.add(OpKind::Permute, makePermute, checkRank);
  r.add(OpKind::Slice, makeSlice, checkRank);
  r.add(OpKind::Expand, makeExpand, checkRank);
  r.add(OpKind::PixelShuffle, makePixelShuffle);
  r.add(OpKind::PixelUnshuffle, makePixelUnshuffle);
  r.add(OpKind::Pad, makePad);
  r.add(OpKind::Concat, makeConcat);
}

} // namespace llie::cuda
