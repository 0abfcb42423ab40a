// cpu-vs-reference cases for Conv2d and BatchNorm: odd sizes, stride 2, dilation 2,
// asymmetric padding, groups and depthwise (with a channel multiplier), bias on and off, every
// epilogue, channel counts large enough for oneDNN to pick blocked layouts and for the cpu
// kernel's Winograd path (to the fixture's 1e-4 bar), and batchnorm on
// ranks 2 to 4 and a non-default channel axis.
#include "backends/cpu/layout.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

namespace llie::bt {
namespace {

struct ConvSpec {
  std::string name;
  Dims x; // N C H W
  int64_t O, kh, kw;
  int64_t groups = 1;
  std::vector<int64_t> stride{1, 1}, pad{0, 0, 0, 0}, dil{1, 1};
  bool bias = true;
  Epilogue epi = Epilogue::None;
  double alpha = 0.0;
  float lo = -2.f, hi = 2.f;
};

Case convCase(const ConvSpec& s) {
  Conv2dAttrs a;
  a.stride = s.stride;
  a.pad = s.pad;
  a.dilation = s.dil;
  a.groups = s.groups;
  a.epilogue = s.epi;
  a.epilogueAlpha = s.alpha;
  int64_t OH = convOut(s.x[2], s.kh, s.stride[0], s.pad[0], s.pad[1], s.dil[0]);
  int64_t OW = convOut(s.x[3], s.kw, s.stride[1], s.pad[2], s.pad[3], s.dil[1]);
  std::vector<Dims> ins{s.x, {s.O, s.x[1] / s.groups, s.kh, s.kw}};
  if (s.bias) ins.push_back({s.O});
  Case c{s.name, OpKind::Conv2d, a, ins, {s.x[0], s.O, OH, OW}};
  c.lo = s.lo, c.hi = s.hi;
  return c;
}

std::vector<Case> convCases() {
  std::vector<ConvSpec> specs = {
      {"k3_pad1_odd", {1, 3, 7, 13}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"k3_nobias", {1, 3, 7, 13}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}, {1, 1}, false},
      {"k3_stride2", {2, 4, 9, 11}, 6, 3, 3, 1, {2, 2}, {1, 1, 1, 1}},
      {"k3_stride2_nopad", {1, 5, 10, 9}, 7, 3, 3, 1, {2, 2}},
      {"k3_dilation2", {1, 4, 12, 10}, 5, 3, 3, 1, {1, 1}, {2, 2, 2, 2}, {2, 2}},
      {"k3_dilation2_stride2", {1, 4, 13, 12}, 6, 3, 3, 1, {2, 2}, {2, 2, 2, 2}, {2, 2}},
      {"asym_pad", {1, 3, 8, 8}, 4, 3, 3, 1, {2, 2}, {0, 1, 1, 2}},
      {"asym_pad_same_tf", {1, 6, 9, 10}, 6, 4, 4, 1, {1, 1}, {1, 2, 1, 2}},
      {"rect_kernel_stride", {1, 3, 11, 14}, 5, 1, 5, 1, {1, 2}, {0, 0, 2, 2}},
      {"groups2", {1, 8, 6, 7}, 6, 3, 3, 2, {1, 1}, {1, 1, 1, 1}},
      {"groups4_stride2", {2, 16, 9, 9}, 16, 3, 3, 4, {2, 2}, {1, 1, 1, 1}},
      {"depthwise", {1, 16, 9, 9}, 16, 3, 3, 16, {1, 1}, {1, 1, 1, 1}},
      {"depthwise_stride2_nobias",
       {1, 24, 15, 13},
       24,
       3,
       3,
       24,
       {2, 2},
       {1, 1, 1, 1},
       {1, 1},
       false},
      {"depthwise_mult2", {1, 8, 7, 7}, 16, 3, 3, 8, {1, 1}, {1, 1, 1, 1}},
      {"depthwise_k5_dil2", {1, 32, 14, 14}, 32, 5, 5, 32, {1, 1}, {4, 4, 4, 4}, {2, 2}},
      {"pointwise", {1, 16, 5, 5}, 24, 1, 1},
      {"one_pixel", {1, 3, 1, 1}, 4, 1, 1},
      {"one_pixel_k3_pad1", {2, 3, 1, 1}, 4, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"stem_k7_s2", {1, 3, 33, 29}, 16, 7, 7, 1, {2, 2}, {3, 3, 3, 3}},
      {"blocked_32to48_s2", {1, 32, 20, 15}, 48, 3, 3, 1, {2, 2}, {1, 1, 1, 1}},
      // Winograd (3x3, stride 1, >= 32 channels in, >= 24 out; the weights are inputs here, so
      // >= 16K output pixels, conv2d.cpp): odd sizes, batch 2, every kind of epilogue (ReLU as
      // oneDNN's post-op, the others as a pass of their own), no bias, no padding.
      {"winograd_64ch_batch2", {2, 64, 91, 93}, 64, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"winograd_48to64_relu",
       {1, 48, 127, 131},
       64,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::Relu,
       0.0,
       -3.f,
       3.f},
      {"winograd_64to24_tanh",
       {1, 64, 128, 129},
       24,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::Tanh},
      {"winograd_32ch_relu6_nobias",
       {1, 32, 130, 127},
       32,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       false,
       Epilogue::Relu6},
      {"winograd_32to48_sigmoid_nopad",
       {2, 32, 95, 93},
       48,
       3,
       3,
       1,
       {1, 1},
       {0, 0, 0, 0},
       {1, 1},
       true,
       Epilogue::Sigmoid},
      {"image_like", {1, 3, 60, 39}, 32, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"epi_relu", {1, 8, 9, 10}, 16, 3, 3, 1, {1, 1}, {1, 1, 1, 1}, {1, 1}, true, Epilogue::Relu},
      {"epi_relu6",
       {1, 8, 9, 10},
       16,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::Relu6,
       0.0,
       -3.f,
       3.f},
      {"epi_sigmoid",
       {1, 8, 9, 10},
       16,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::Sigmoid},
      {"epi_tanh",
       {1, 8, 9, 10},
       16,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::Tanh,
       0.0,
       -0.5f,
       0.5f},
      {"epi_leaky_relu",
       {1, 8, 9, 10},
       16,
       3,
       3,
       1,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::LeakyRelu,
       0.2},
      {"epi_relu_depthwise_nobias",
       {1, 16, 8, 8},
       16,
       3,
       3,
       16,
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       false,
       Epilogue::Relu},
      {"epi_leaky_blocked",
       {1, 32, 12, 12},
       32,
       3,
       3,
       1,
       {2, 2},
       {1, 1, 1, 1},
       {1, 1},
       true,
       Epilogue::LeakyRelu,
       0.1},
  };
  std::vector<Case> r;
  // A 1x1 conv with a fused depthwise stage (fuse-depthwise): oneDNN's jit 1x1 kernel with the
  // depthwise post-op, or its generic fused path, depending on the shape.
  for (auto [name, x, O, stride] : std::vector<std::tuple<std::string, Dims, int64_t, int64_t>>{
           {"fused_depthwise_s2", {1, 32, 128, 128}, 64, 2},
           {"fused_depthwise_s1", {1, 64, 64, 64}, 64, 1},
           {"fused_depthwise_s2_wide", {1, 32, 64, 48}, 128, 2},
           {"fused_depthwise_s1_odd", {2, 16, 9, 13}, 32, 1},
           {"fused_depthwise_s2_odd", {1, 16, 14, 10}, 48, 2}}) {
    Conv2dAttrs a;
    a.epilogue = Epilogue::Relu6;
    a.depthwise = stride;
    a.depthwiseEpilogue = Epilogue::Relu6;
    const int64_t OH = (x[2] - 1) / stride + 1, OW = (x[3] - 1) / stride + 1;
    Case c{
        name, OpKind::Conv2d, a, {x, {O, x[1], 1, 1}, {O}, {O, 1, 3, 3}, {O}}, {x[0], O, OH, OW}};
    c.ranges = {{-1.f, 1.f}, {-0.3f, 0.3f}, {-0.5f, 0.5f}, {-0.5f, 0.5f}, {-0.5f, 0.5f}};
    r.push_back(c);
  }
  for (auto& s : specs) {
    r.push_back(convCase(s));
    // Winograd's float32 error scales with the size of the partial sums, so its cases use
    // trained-network magnitudes (weights ~ 1/sqrt(fan-in)) rather than weights in [-3, 3].
    if (s.name.starts_with("winograd"))
      r.back().ranges = {{s.lo, s.hi}, {-0.1f, 0.1f}, {-1.f, 1.f}};
  }
  return r;
}

Case bnCase(std::string name, Dims x, int64_t axis = 1) {
  NormAttrs a;
  a.axis = axis;
  a.eps = 1e-5;
  int64_t C = x[axis < 0 ? axis + x.size() : axis];
  Case c{std::move(name), OpKind::BatchNorm, a, {x, {C}, {C}, {C}, {C}}, x};
  c.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}, {-0.5f, 0.5f}, {0.1f, 3.f}};
  return c;
}

std::vector<Case> bnCases() {
  return {bnCase("nchw_odd", {2, 5, 7, 13}),     bnCase("nchw_blocked", {1, 32, 9, 11}),
          bnCase("image_like", {1, 16, 60, 39}), bnCase("rank2", {4, 6}),
          bnCase("rank3", {2, 3, 10}),           bnCase("axis_last", {2, 3, 4, 5}, -1),
          bnCase("one_pixel", {3, 4, 1, 1})};
}

// The cases named for it take the cpu kernel's Winograd path, and only they.
TEST(CpuConv2dCases, WinogradCasesTakeItsPath) {
  int wino = 0;
  for (const Case& c : convCases()) {
    const Conv2dAttrs& a = std::get<Conv2dAttrs>(c.attrs);
    const OneNode o = oneNode(c.op, a, c.ins, c.out);
    const bool named = c.name.starts_with("winograd");
    EXPECT_EQ(cpu::winogradConv(o.g, o.n()), named) << c.name;
    wino += named;
  }
  EXPECT_EQ(wino, 5);
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CpuConv2d, CpuMatchesReference, ::testing::ValuesIn(convCases()),
                         caseName);
INSTANTIATE_TEST_SUITE_P(CpuBatchNorm, CpuMatchesReference, ::testing::ValuesIn(bnCases()),
                         caseName);

} // namespace llie::bt
