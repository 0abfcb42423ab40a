// Checks the reference backend itself against hand-computed (PyTorch) numbers on tiny cases,
// so the oracle the cpu backend is compared with is known to be right: conv, bilinear and
// nearest resize, reflect/replicate/constant pad, avg pooling (exclude pad, include pad,
// ceil mode), max pooling, softmax, reductions, batchnorm, broadcasting, slicing, permute,
// concat and the unary activations.
#include "tests/backends/backend_test_util.h"

namespace llie::bt {
namespace {

HostTensor runRef(OpKind op, Attrs a, std::vector<HostTensor> ins, Dims out) {
  std::vector<Dims> shapes;
  for (auto& t : ins)
    shapes.push_back(t.shape);
  OneNode o = oneNode(op, std::move(a), shapes, out);
  auto be = createBackend("reference");
  EXPECT_TRUE(be.ok());
  auto r = runNode(**be, o.g, o.node, ins);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().message());
  return r.ok() ? std::move(*r) : HostTensor(out);
}

void expectValues(const HostTensor& t, const std::vector<float>& want, double tol = 1e-6) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(t.f32()[i], want[i], tol) << "at " << i;
}

HostTensor img3x3() {
  return tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST(RefConv2d, BoxFilterWithPadding) {
  Conv2dAttrs a;
  a.pad = {1, 1, 1, 1};
  HostTensor w = tensor({1, 1, 3, 3}, std::vector<float>(9, 1.f));
  expectValues(runRef(OpKind::Conv2d, a, {img3x3(), w}, {1, 1, 3, 3}),
               {12, 21, 16, 27, 45, 33, 24, 39, 28});
}

TEST(RefConv2d, KnownKernelBiasStrideAndRelu) {
  Conv2dAttrs a;
  a.pad = {1, 1, 1, 1};
  a.stride = {2, 2};
  a.epilogue = Epilogue::Relu;
  // Laplacian-like kernel: 4·centre − neighbours, bias −1.
  HostTensor w = tensor({1, 1, 3, 3}, {0, -1, 0, -1, 4, -1, 0, -1, 0});
  HostTensor b = tensor({1}, {-1});
  // (0,0): 4·1−2−4−1 = −3 → relu 0; (0,2): 12−2−6−1 = 3; (2,0): 28−4−8−1 = 15; (2,2): 36−6−8−1
  // = 21.
  expectValues(runRef(OpKind::Conv2d, a, {img3x3(), w, b}, {1, 1, 2, 2}), {0, 3, 15, 21});
}

TEST(RefConv2d, DepthwiseDilatedAsymmetricPad) {
  Conv2dAttrs a;
  a.groups = 2;
  a.dilation = {2, 2};
  a.pad = {0, 2, 0, 2};
  // Two channels, each a 2x2 kernel with only the top-left and bottom-right taps.
  HostTensor x = tensor({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40});
  HostTensor w = tensor({2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 0});
  // Channel 0: y = x[i][j] + x[i+2][j+2] (the second is padding) = x; channel 1: 2·x.
  expectValues(runRef(OpKind::Conv2d, a, {x, w}, {1, 2, 2, 2}), {1, 2, 3, 4, 20, 40, 60, 80});
}

TEST(RefResize, BilinearUpsampleMatchesPyTorch) {
  ResizeAttrs a;
  a.mode = ResizeMode::Bilinear;
  a.size = {Dim::constant(4), Dim::constant(4)};
  HostTensor x = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  expectValues(runRef(OpKind::Resize, a, {x}, {1, 1, 4, 4}),
               {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3.0f,
                3.25f, 3.75f, 4.0f});
}

TEST(RefResize, BilinearAlignCornersMatchesPyTorch) {
  ResizeAttrs a;
  a.mode = ResizeMode::Bilinear;
  a.alignCorners = true;
  a.size = {Dim::constant(3), Dim::constant(3)};
  HostTensor x = tensor({1, 1, 2, 2}, {1, 2, 3, 4});
  expectValues(runRef(OpKind::Resize, a, {x}, {1, 1, 3, 3}), {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
}

TEST(RefResize, BilinearDownsampleAveragesPairs) {
  ResizeAttrs a;
  a.mode = ResizeMode::Bilinear;
  a.size = {Dim::constant(1), Dim::constant(2)};
  // in 4 -> out 2: src = (dst+0.5)·2 − 0.5 = 0.5, 2.5 → means of neighbours.
  HostTensor x = tensor({1, 1, 1, 4}, {0, 2, 4, 8});
  expectValues(runRef(OpKind::Resize, a, {x}, {1, 1, 1, 2}), {1, 6});
}

TEST(RefResize, NearestDownAndUpsample) {
  ResizeAttrs a;
  a.size = {Dim::constant(1), Dim::constant(4)};
  HostTensor x = tensor({1, 1, 1, 8}, {0, 1, 2, 3, 4, 5, 6, 7});
  expectValues(runRef(OpKind::Resize, a, {x}, {1, 1, 1, 4}), {0, 2, 4, 6});
  // 3 -> 2: scale 1.5, src = floor(0), floor(1.5) = 0, 1.
  a.size = {Dim::constant(1), Dim::constant(2)};
  expectValues(runRef(OpKind::Resize, a, {tensor({1, 1, 1, 3}, {5, 6, 7})}, {1, 1, 1, 2}), {5, 6});
  // 2 -> 3: scale 2/3, src = 0, 0, floor(1.33) = 1.
  a.size = {Dim::constant(1), Dim::constant(3)};
  expectValues(runRef(OpKind::Resize, a, {tensor({1, 1, 1, 2}, {5, 6})}, {1, 1, 1, 3}), {5, 5, 6});
}

TEST(RefPad, ReflectReplicateAndConstant) {
  PadAttrs a;
  a.mode = PadMode::Reflect;
  a.pads = {0, 0, 2, 2};
  HostTensor x = tensor({1, 3}, {1, 2, 3});
  expectValues(runRef(OpKind::Pad, a, {x}, {1, 7}), {3, 2, 1, 2, 3, 2, 1});
  a.mode = PadMode::Replicate;
  expectValues(runRef(OpKind::Pad, a, {x}, {1, 7}), {1, 1, 1, 2, 3, 3, 3});
  a.mode = PadMode::Zero;
  a.value = -1;
  expectValues(runRef(OpKind::Pad, a, {x}, {1, 7}), {-1, -1, 1, 2, 3, -1, -1});
  // Reflect in both axes of a 2x2: rows and columns mirrored without repeating the edge.
  a.mode = PadMode::Reflect;
  a.pads = {1, 0, 0, 1};
  expectValues(runRef(OpKind::Pad, a, {tensor({2, 2}, {1, 2, 3, 4})}, {3, 3}),
               {3, 4, 3, 1, 2, 1, 3, 4, 3});
}

TEST(RefPool, AvgExcludeAndIncludePad) {
  Pool2dAttrs a;
  a.kernel = {3, 3}, a.stride = {1, 1}, a.pad = {1, 1, 1, 1};
  a.countIncludePad = false;
  HostTensor y = runRef(OpKind::AvgPool2d, a, {img3x3()}, {1, 1, 3, 3});
  expectValues(y, {3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7});
  a.countIncludePad = true;
  y = runRef(OpKind::AvgPool2d, a, {img3x3()}, {1, 1, 3, 3});
  expectValues(y,
               {12 / 9.f, 21 / 9.f, 16 / 9.f, 27 / 9.f, 5, 33 / 9.f, 24 / 9.f, 39 / 9.f, 28 / 9.f});
}

TEST(RefPool, AvgCeilModeMatchesPyTorch) {
  // F.avg_pool2d(1..9 as 3x3, 2, 2, ceil_mode=True) = [[3, 4.5], [7.5, 9]]: the overhang is not
  // counted even with count_include_pad=True.
  Pool2dAttrs a;
  a.ceilMode = true;
  expectValues(runRef(OpKind::AvgPool2d, a, {img3x3()}, {1, 1, 2, 2}), {3, 4.5, 7.5, 9});
  a.countIncludePad = false;
  expectValues(runRef(OpKind::AvgPool2d, a, {img3x3()}, {1, 1, 2, 2}), {3, 4.5, 7.5, 9});
  // With pad 1 and count_include_pad: windows clipped to the padded input count the padding.
  a.countIncludePad = true;
  a.pad = {1, 1, 1, 1};
  a.ceilMode = false;
  // Windows start at -1 and 1: (-1..0)x(-1..0) = {1} / 4; (-1..0)x(1..2) = {2,3} / 4; ...
  expectValues(runRef(OpKind::AvgPool2d, a, {img3x3()}, {1, 1, 2, 2}),
               {1 / 4.f, 5 / 4.f, 11 / 4.f, 28 / 4.f});
}

TEST(RefPool, MaxIgnoresPadding) {
  Pool2dAttrs a;
  a.kernel = {2, 2}, a.stride = {2, 2}, a.pad = {1, 1, 1, 1};
  HostTensor x = tensor({1, 1, 2, 2}, {-1, -2, -3, -4});
  expectValues(runRef(OpKind::MaxPool2d, a, {x}, {1, 1, 2, 2}), {-1, -2, -3, -4});
}

TEST(RefSoftmax, KnownValuesAndSumsToOne) {
  HostTensor x = tensor({1, 3}, {1, 2, 3});
  expectValues(runRef(OpKind::Softmax, ReduceAttrs{{1}, false}, {x}, {1, 3}),
               {0.09003057f, 0.24472847f, 0.66524096f});
  std::mt19937 rng(7);
  HostTensor r = randomTensor({2, 4, 3, 5}, rng, -5, 5);
  HostTensor y = runRef(OpKind::Softmax, ReduceAttrs{{2, 3}, false}, {r}, {2, 4, 3, 5});
  for (int g = 0; g < 8; ++g) {
    double s = 0;
    for (int i = 0; i < 15; ++i)
      s += y.f32()[g * 15 + i];
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
  // Non-contiguous axes {0, 2}: each (b) column sums to 1 over a and c.
  HostTensor z = runRef(OpKind::Softmax, ReduceAttrs{{0, 2}, false}, {r}, {2, 4, 3, 5});
  for (int b = 0; b < 4; ++b)
    for (int d = 0; d < 5; ++d) {
      double s = 0;
      for (int a0 = 0; a0 < 2; ++a0)
        for (int c = 0; c < 3; ++c)
          s += z.f32()[((a0 * 4 + b) * 3 + c) * 5 + d];
      EXPECT_NEAR(s, 1.0, 1e-6);
    }
}

TEST(RefReduce, SumMeanMaxMin) {
  HostTensor x = tensor({2, 3}, {1, 5, 3, -4, 2, 0});
  expectValues(runRef(OpKind::ReduceSum, ReduceAttrs{{1}, false}, {x}, {2}), {9, -2});
  expectValues(runRef(OpKind::ReduceMean, ReduceAttrs{{0}, true}, {x}, {1, 3}), {-1.5, 3.5, 1.5});
  expectValues(runRef(OpKind::ReduceMax, ReduceAttrs{{-1}, false}, {x}, {2}), {5, 2});
  expectValues(runRef(OpKind::ReduceMin, ReduceAttrs{{}, false}, {x}, {}), {-4});
}

TEST(RefBatchNorm, NormalisesWithRunningStatistics) {
  NormAttrs a;
  a.eps = 0;
  HostTensor x = tensor({1, 2, 1, 2}, {1, 3, 10, 20});
  HostTensor gamma = tensor({2}, {2, 1}), beta = tensor({2}, {1, 0});
  HostTensor mean = tensor({2}, {1, 10}), var = tensor({2}, {4, 25});
  // c0: (x−1)/2·2+1 = x; c1: (x−10)/5 = 0, 2.
  expectValues(runRef(OpKind::BatchNorm, a, {x, gamma, beta, mean, var}, {1, 2, 1, 2}),
               {1, 3, 0, 2});
}

TEST(RefBinary, BroadcastsLikeNumPy) {
  HostTensor col = tensor({2, 1}, {1, 2}), row = tensor({3}, {10, 20, 30});
  expectValues(runRef(OpKind::Add, NoAttrs{}, {col, row}, {2, 3}), {11, 21, 31, 12, 22, 32});
  expectValues(runRef(OpKind::Sub, NoAttrs{}, {col, row}, {2, 3}), {-9, -19, -29, -8, -18, -28});
  HostTensor s = tensor({}, {4});
  expectValues(runRef(OpKind::Div, NoAttrs{}, {s, row}, {3}), {0.4f, 0.2f, 4 / 30.f});
  expectValues(runRef(OpKind::Maximum, NoAttrs{}, {row, tensor({}, {15})}, {3}), {15, 20, 30});
}

TEST(RefDataMovement, SlicePermuteConcatExpand) {
  HostTensor x = tensor({2, 3}, {0, 1, 2, 3, 4, 5});
  SliceAttrs sa;
  sa.axis = 1, sa.start = Dim::constant(0), sa.stop = Dim::constant(3), sa.step = 2;
  expectValues(runRef(OpKind::Slice, sa, {x}, {2, 2}), {0, 2, 3, 5});
  expectValues(runRef(OpKind::Permute, PermuteAttrs{{1, 0}}, {x}, {3, 2}), {0, 3, 1, 4, 2, 5});
  expectValues(runRef(OpKind::Concat, AxisAttrs{1}, {x, tensor({2, 1}, {9, 8})}, {2, 4}),
               {0, 1, 2, 9, 3, 4, 5, 8});
  expectValues(runRef(OpKind::Concat, AxisAttrs{0}, {x, x}, {4, 3}),
               {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  expectValues(runRef(OpKind::Expand, ExpandAttrs{}, {tensor({2, 1}, {7, 8})}, {2, 3}),
               {7, 7, 7, 8, 8, 8});
}

TEST(RefUnary, Activations) {
  HostTensor x = tensor({5}, {-8, -1, 0, 2, 7});
  expectValues(runRef(OpKind::Relu6, NoAttrs{}, {x}, {5}), {0, 0, 0, 2, 6});
  expectValues(runRef(OpKind::LeakyRelu, LeakyReluAttrs{0.1}, {x}, {5}), {-0.8, -0.1, 0, 2, 7},
               1e-6);
  expectValues(runRef(OpKind::Clamp, ClampAttrs{-1, 1}, {x}, {5}), {-1, -1, 0, 1, 1});
  expectValues(runRef(OpKind::PowScalar, PowScalarAttrs{2}, {x}, {5}), {64, 1, 0, 4, 49});
  expectValues(runRef(OpKind::Neg, NoAttrs{}, {x}, {5}), {8, 1, 0, -2, -7});
  expectValues(runRef(OpKind::Sigmoid, NoAttrs{}, {tensor({1}, {0})}, {1}), {0.5});
  // gelu(1) = 0.8413447, silu(1) = 0.7310586.
  expectValues(runRef(OpKind::Gelu, NoAttrs{}, {tensor({1}, {1})}, {1}), {0.8413447f});
  expectValues(runRef(OpKind::Silu, NoAttrs{}, {tensor({1}, {1})}, {1}), {0.7310586f});
}

} // namespace
} // namespace llie::bt
