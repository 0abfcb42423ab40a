// The cuda data-movement family: reshape and stop_grad (a device copy, nothing when the
// executor aliases the buffers), permute / slice / expand / pixel_shuffle / pixel_unshuffle (one
// strided gather each, its geometry the host family's: gather_geometry.h), pad of the last two axes
// (constant, reflect, replicate), concat (one 2-D strided copy per input) and resize of the last
// two axes (nearest, bilinear; PyTorch's source coordinates as op_geometry.h computes them). All
// but bilinear resize are pure copies, so their results are exact.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/gather_geometry.h"
#include "backends/op_geometry.h"

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

/// permute / slice / expand / pixel_shuffle / pixel_unshuffle: the node's gather, read as the
/// host family reads it (gather_geometry.h).
Expected<std::unique_ptr<Kernel>> makeGather(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::GatherGeom geo, kernels::gatherGeometry(g, n));
  return gatherKernel(n, ctx, geo.shape, geo.strides, geo.base);
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
  r.add(OpKind::Permute, makeGather, checkRank);
  r.add(OpKind::Slice, makeGather, checkRank);
  r.add(OpKind::Expand, makeGather, checkRank);
  r.add(OpKind::PixelShuffle, makeGather);
  r.add(OpKind::PixelUnshuffle, makeGather);
  r.add(OpKind::Pad, makePad);
  r.add(OpKind::Concat, makeConcat);
}

} // namespace llie::cuda
