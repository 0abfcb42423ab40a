// cuda-vs-cpu cases for data movement: concat (every axis, several inputs), reshape, stop_grad,
// permute, slice (steps, negative start), pad (constant with a value, reflect, replicate,
// asymmetric, rank 3), expand and the pixel shuffles: copies, so the results must agree exactly;
// and resize, nearest (exact) and bilinear with and without align_corners, up and down, integer
// and non-integer factors, to and from one pixel.
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

GpuCase exact(std::string name, OpKind op, Attrs a, std::vector<Dims> ins, Dims y) {
  GpuCase c{std::move(name), op, std::move(a), std::move(ins), {std::move(y)}};
  c.atol = 0, c.rtol = 0;
  return c;
}

GpuCase concat(std::string name, std::vector<Dims> ins, int64_t axis) {
  Dims y = ins[0];
  int64_t ax = axis < 0 ? axis + static_cast<int64_t>(y.size()) : axis;
  y[ax] = 0;
  for (auto& d : ins)
    y[ax] += d[ax];
  return exact(std::move(name), OpKind::Concat, AxisAttrs{axis}, ins, y);
}

GpuCase slice(std::string name, Dims x, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  SliceAttrs a;
  a.axis = axis, a.start = Dim::constant(start), a.stop = Dim::constant(stop), a.step = step;
  int64_t ax = axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis;
  int64_t s = start < 0 ? start + x[ax] : start, e = stop < 0 ? stop + x[ax] : stop;
  Dims y = x;
  y[ax] = (e - s + step - 1) / step;
  return exact(std::move(name), OpKind::Slice, a, {x}, y);
}

GpuCase pad(std::string name, Dims x, PadMode mode, std::vector<int64_t> p, double value = 0) {
  PadAttrs a;
  a.mode = mode, a.pads = p, a.value = value;
  Dims y = x;
  size_t r = y.size();
  if (r >= 2) y[r - 2] += p[0] + p[1];
  y[r - 1] += p[2] + p[3];
  return exact(std::move(name), OpKind::Pad, a, {x}, y);
}

GpuCase permute(std::string name, Dims x, std::vector<int64_t> perm) {
  Dims y;
  for (int64_t p : perm)
    y.push_back(x[p]);
  return exact(std::move(name), OpKind::Permute, PermuteAttrs{perm}, {x}, y);
}

GpuCase expand(std::string name, Dims x, Dims y) {
  ExpandAttrs a;
  for (int64_t d : y)
    a.shape.push_back(Dim::constant(d));
  return exact(std::move(name), OpKind::Expand, a, {x}, y);
}

std::vector<GpuCase> movementCases() {
  ReshapeAttrs rs;
  rs.shape = {Dim::constant(6), Dim::constant(20)};
  return {
      concat("concat_channels", {{2, 3, 5, 7}, {2, 4, 5, 7}}, 1),
      concat("concat_batch", {{1, 3, 5, 7}, {2, 3, 5, 7}}, 0),
      concat("concat_height", {{1, 3, 2, 7}, {1, 3, 5, 7}}, 2),
      concat("concat_width_neg", {{1, 3, 5, 7}, {1, 3, 5, 1}}, -1),
      concat("concat_three_inputs", {{1, 16, 6, 6}, {1, 8, 6, 6}, {1, 3, 6, 6}}, 1),
      exact("reshape", OpKind::Reshape, rs, {{2, 3, 4, 5}}, {6, 20}),
      exact("stop_grad", OpKind::StopGrad, NoAttrs{}, {{2, 3, 7, 13}}, {2, 3, 7, 13}),
      permute("permute_nhwc", {2, 3, 7, 13}, {0, 2, 3, 1}),
      permute("permute_reverse", {2, 3, 4, 5}, {3, 2, 1, 0}),
      permute("permute_rank2", {7, 13}, {1, 0}),
      slice("slice_channels", {2, 5, 7, 13}, 1, 1, 3, 1),
      slice("slice_width_step2", {2, 3, 7, 13}, 3, 0, 13, 2),
      slice("slice_neg_start", {2, 3, 7, 13}, -1, -4, 13, 1),
      slice("slice_height_step3", {1, 3, 10, 4}, 2, 1, 10, 3),
      pad("pad_zero", {1, 3, 5, 6}, PadMode::Zero, {1, 2, 3, 4}),
      pad("pad_value", {2, 2, 4, 4}, PadMode::Zero, {1, 1, 1, 1}, 0.5),
      pad("pad_reflect", {1, 2, 5, 6}, PadMode::Reflect, {2, 2, 2, 2}),
      pad("pad_reflect_asym", {1, 2, 5, 6}, PadMode::Reflect, {0, 3, 1, 4}),
      pad("pad_replicate", {1, 2, 5, 6}, PadMode::Replicate, {3, 1, 2, 5}),
      pad("pad_rank3", {3, 4, 5}, PadMode::Reflect, {1, 1, 1, 1}),
      pad("pad_one_pixel_replicate", {1, 3, 1, 1}, PadMode::Replicate, {2, 2, 2, 2}),
      expand("expand_channels", {1, 3, 1, 1}, {2, 3, 4, 5}),
      expand("expand_rank", {5}, {3, 4, 5}),
      expand("expand_scalar", {}, {2, 3}),
      exact("pixel_shuffle", OpKind::PixelShuffle, PixelShuffleAttrs{2}, {{1, 12, 3, 5}},
            {1, 3, 6, 10}),
      exact("pixel_unshuffle", OpKind::PixelUnshuffle, PixelShuffleAttrs{2}, {{2, 3, 6, 4}},
            {2, 12, 3, 2}),
  };
}

GpuCase resize(std::string name, ResizeMode mode, bool ac, Dims x, int64_t oh, int64_t ow) {
  ResizeAttrs a;
  a.mode = mode;
  a.alignCorners = ac;
  a.size = {Dim::constant(oh), Dim::constant(ow)};
  Dims y = x;
  y[y.size() - 2] = oh;
  y[y.size() - 1] = ow;
  if (mode == ResizeMode::Nearest) return exact(std::move(name), OpKind::Resize, a, {x}, y);
  return GpuCase{std::move(name), OpKind::Resize, a, {x}, {y}};
}

std::vector<GpuCase> resizeCases() {
  auto N = ResizeMode::Nearest, B = ResizeMode::Bilinear;
  return {
      resize("nearest_up2", N, false, {1, 3, 5, 7}, 10, 14),
      resize("nearest_up3", N, false, {2, 2, 4, 3}, 12, 9),
      resize("nearest_identity", N, false, {1, 2, 6, 7}, 6, 7),
      resize("nearest_up_nonint", N, false, {1, 3, 5, 7}, 8, 11),
      resize("nearest_down_nonint", N, false, {1, 3, 13, 17}, 5, 6),
      resize("nearest_one_pixel_up", N, false, {1, 3, 1, 1}, 4, 5),
      resize("nearest_rank3", N, false, {3, 5, 7}, 9, 4),
      resize("nearest_image_down", N, false, {1, 3, 60, 39}, 25, 17),
      resize("bilinear_up2", B, false, {1, 3, 5, 7}, 10, 14),
      resize("bilinear_up_nonint", B, false, {1, 3, 5, 7}, 8, 11),
      resize("bilinear_down_nonint", B, false, {1, 3, 13, 17}, 5, 6),
      resize("bilinear_one_pixel", B, false, {1, 2, 1, 1}, 4, 4),
      resize("bilinear_to_one", B, false, {1, 2, 6, 5}, 1, 1),
      resize("bilinear_image_up", B, false, {1, 3, 30, 20}, 60, 39),
      resize("bilinear_ac_up_nonint", B, true, {1, 3, 5, 7}, 8, 11),
      resize("bilinear_ac_down", B, true, {1, 3, 13, 17}, 5, 6),
      resize("bilinear_ac_to_one", B, true, {1, 2, 6, 5}, 1, 3),
  };
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaResize, CudaMatchesCpu, ::testing::ValuesIn(resizeCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaDataMovement, CudaMatchesCpu, ::testing::ValuesIn(movementCases()),
                         gpuCaseName);

} // namespace llie::bt
