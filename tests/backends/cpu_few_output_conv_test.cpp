// The cpu backend's conv for few output channels (backends/cpu/conv_few_outputs.cpp) against the
// reference backend: a conv that makes its input nChw16c (a Winograd conv) or NHWC (a 1x1 conv)
// feeds a conv with 1 to 4 output channels. The cases cover every epilogue, with and without a
// bias, 3x3 and 5x5 kernels, stride 2, dilation 2, uneven padding, 32 and 48 input channels
// (2 and 3 blocks of 16), widths that leave a remainder after the kernel's groups of 4 pixels,
// and an NHWC output (read by a 1x1 conv) beside the usual plain one. Each case asserts that the
// kernel is really the one that runs (its layouts) and matches float64 sums to 1e-5 norm-wise.
#include "backends/cpu/layout.h"
#include "compiler/ir/verifier.h"
#include "tests/autodiff/grad_check.h"
#include "tests/backends/graph_run.h"

#include <gtest/gtest.h>

#include <random>

using namespace llie;
using llie::gradcheck::GC;

namespace {

struct FewCase {
  std::string name;
  int64_t C, H, W, O, K;
  Conv2dAttrs attrs;
  bool bias;
  cpu::Layout in, out; ///< the layouts of the conv's input and output
};

void PrintTo(const FewCase& c, std::ostream* os) {
  *os << c.name;
}

Conv2dAttrs few(std::vector<int64_t> pad, int64_t stride, int64_t dilation, Epilogue e,
                double alpha = 0.0) {
  Conv2dAttrs a;
  a.pad = std::move(pad);
  a.stride = {stride, stride};
  a.dilation = {dilation, dilation};
  a.epilogue = e;
  a.epilogueAlpha = alpha;
  return a;
}

std::vector<FewCase> fewCases() {
  using L = cpu::Layout;
  const std::vector<int64_t> same{1, 1, 1, 1};
  return {
      {"head_sigmoid_blocked", 32, 16, 21, 3, 3, few(same, 1, 1, Epilogue::Sigmoid), true,
       L::Blocked16, L::Plain},
      {"relu_nhwc", 32, 9, 14, 1, 3, few(same, 1, 1, Epilogue::Relu), true, L::Nhwc, L::Plain},
      {"tanh_stride2_dilation2_uneven_pad", 32, 15, 18, 4, 3,
       few({2, 1, 1, 2}, 2, 2, Epilogue::Tanh), false, L::Blocked16, L::Plain},
      {"relu6_5x5_48ch", 48, 11, 13, 2, 5, few({2, 2, 2, 2}, 1, 1, Epilogue::Relu6), true, L::Nhwc,
       L::Plain},
      {"none_valid_no_bias", 32, 10, 12, 3, 3, few({0, 0, 0, 0}, 1, 1, Epilogue::None), false,
       L::Blocked16, L::Plain},
      {"leaky_nhwc_out", 32, 12, 10, 4, 3, few(same, 1, 1, Epilogue::LeakyRelu, 0.1), true, L::Nhwc,
       L::Nhwc},
  };
}

class CpuFewOutputConv : public ::testing::TestWithParam<FewCase> {};

TEST_P(CpuFewOutputConv, MatchesReference) {
  const FewCase& fc = GetParam();
  GC c;
  const gradcheck::Dist w{-0.1f, 0.1f};
  ValueId x = c.param({2, fc.C, fc.H, fc.W}, {-1.f, 1.f});
  // The producer decides the input's layout: Winograd writes nChw16c, a grouped 1x1 conv NHWC.
  Conv2dAttrs producer;
  const bool blocked = fc.in == cpu::Layout::Blocked16;
  if (blocked) producer.pad = {1, 1, 1, 1};
  producer.groups = blocked ? 1 : 2;
  const int64_t pk = blocked ? 3 : 1;
  ValueId h =
      c.op(OpKind::Conv2d, producer, {x, c.param({fc.C, fc.C / producer.groups, pk, pk}, w)});
  std::vector<ValueId> ins{h, c.param({fc.O, fc.C, fc.K, fc.K}, w)};
  if (fc.bias) ins.push_back(c.param({fc.O}, w));
  ValueId y = c.op(OpKind::Conv2d, fc.attrs, ins);
  ValueId out = y;
  if (fc.out == cpu::Layout::Nhwc)
    out = c.op(OpKind::Conv2d, Conv2dAttrs{}, {y, c.param({8, fc.O, 1, 1}, w)});
  ASSERT_NE(out, kNoValue);
  c.g.outputs.push_back({"y", out});
  ASSERT_TRUE(verifyGraph(c.g).isOk()) << verifyGraph(c.g).message();

  const std::vector<cpu::Layout> layout = cpu::activationLayouts(c.g);
  EXPECT_EQ(layout[h], fc.in);
  EXPECT_EQ(layout[y], fc.out);
  EXPECT_TRUE(cpu::fewOutputConv(c.g, c.g.producer(y)));

  std::mt19937 rng(11);
  const auto weights = llie::testing::randomWeights(c.g, c.params, rng);
  auto cpuOut = llie::testing::runOn("cpu", c.g, weights, {});
  auto refOut = llie::testing::runOn("reference", c.g, weights, {});
  ASSERT_TRUE(cpuOut.count("y") && refOut.count("y"));
  const double err = llie::testing::relNorm(cpuOut.at("y"), refOut.at("y"));
  std::printf("[cpu-few-output] %s: norm-wise rel %.2e\n", fc.name.c_str(), err);
  EXPECT_LE(err, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Cases, CpuFewOutputConv, ::testing::ValuesIn(fewCases()),
                         [](const auto& info) { return info.param.name; });

} // namespace
