// conv_transpose2d (groups, stride, padding, output_padding, dilation, bias) and matmul (batch
// broadcast, transposed right operand, bias) on the cpu and reference backends against PyTorch in
// float64 (linalg_parity.py), on inputs both sides build from the same closed formula. Skips with
// a message when torch is not importable.
#include "tests/backends/backend_test_util.h"
#include "tests/testing/run.h"

#include <cmath>
#include <map>
#include <sstream>

namespace llie::bt {
namespace {

/// x[i] = sin(0.37·i + phase), as linalg_parity.py builds it.
HostTensor wave(const Dims& shape, double phase) {
  HostTensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = static_cast<float>(std::sin(0.37 * double(i) + phase));
  return t;
}

/// The script's lines "name v0 v1 ...", by name.
std::map<std::string, std::vector<double>> parse(const std::string& text) {
  std::map<std::string, std::vector<double>> r;
  std::istringstream lines(text);
  std::string line, name;
  while (std::getline(lines, line)) {
    std::istringstream ls(line);
    ls >> name;
    for (double v; ls >> v;)
      r[name].push_back(v);
  }
  return r;
}

double maxErr(const HostTensor& got, const std::vector<double>& want) {
  if (got.numel() != static_cast<int64_t>(want.size())) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < got.numel(); ++i)
    worst = std::max(worst, std::fabs(got.f32()[i] - want[i]));
  return worst;
}

TEST(LinalgParity, ConvTransposeAndMatMulMatchPyTorch) {
  if (!llie::testing::torchAvailable())
    GTEST_SKIP() << "PyTorch is not importable by /usr/bin/python3 (install python3-torch)";
  auto res = llie::testing::run("/usr/bin/python3 " +
                                llie::testing::repoPath("tests/parity/linalg_parity.py"));
  ASSERT_EQ(res.code, 0) << res.output;
  auto want = parse(res.output);
  ASSERT_EQ(want["conv_shape"], (std::vector<double>{2, 6, 6, 10}));

  ConvTranspose2dAttrs ct;
  ct.stride = {2, 2}, ct.pad = {1, 1, 1, 1}, ct.outputPadding = {1, 1}, ct.dilation = {1, 2};
  ct.groups = 2;
  OneNode conv =
      oneNode(OpKind::ConvTranspose2d, ct, {{2, 4, 3, 4}, {4, 3, 3, 3}, {6}}, {2, 6, 6, 10});
  std::vector<HostTensor> convIn{wave({2, 4, 3, 4}, 0.0), wave({4, 3, 3, 3}, 1.0), wave({6}, 2.0)};
  OneNode mm = oneNode(OpKind::MatMul, MatMulAttrs{false, true}, {{2, 1, 3, 4}, {3, 5, 4}, {5}},
                       {2, 3, 3, 5});
  std::vector<HostTensor> mmIn{wave({2, 1, 3, 4}, 0.5), wave({3, 5, 4}, 1.5), wave({5}, 2.5)};

  for (const char* name : {"cpu", "reference"}) {
    auto be = createBackend(name);
    ASSERT_TRUE(be.ok());
    auto y = runNode(**be, conv.g, conv.node, convIn);
    ASSERT_TRUE(y.ok()) << name << ": " << y.status().message();
    double e = maxErr(*y, want["conv"]);
    std::printf("[linalg parity] %-9s conv_transpose2d max abs err %.3g\n", name, e);
    EXPECT_LT(e, 1e-5) << name;
    auto z = runNode(**be, mm.g, mm.node, mmIn);
    ASSERT_TRUE(z.ok()) << name << ": " << z.status().message();
    e = maxErr(*z, want["matmul"]);
    std::printf("[linalg parity] %-9s matmul max abs err %.3g\n", name, e);
    EXPECT_LT(e, 1e-5) << name;
  }
}

} // namespace
} // namespace llie::bt
