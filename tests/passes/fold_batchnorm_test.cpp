// fold-batchnorm: conv -> batchnorm pairs (with and without bias, grouped, depthwise) become one
// conv whose weight and bias carry the normalisation, pairs it must not touch stay, and the
// folded graph computes the same numbers as the original on both backends.
#include "compiler/passes/fold_batchnorm.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource =
    "model M(x: [N, 3, H, W]) -> y {\n"
    "  a = x |> conv2d(8, 3, padding=1, name=\"c1\") |> batchnorm(name=\"b1\")\n"
    "  b = a |> conv2d(8, 3, padding=1, groups=8, bias=false, name=\"dw\")\n"
    "        |> batchnorm(eps=1e-3, name=\"b2\") |> relu()\n"
    "  c = b |> conv2d(12, 1, groups=4, bias=false, name=\"g\") |> batchnorm(name=\"b3\")\n"
    "  # not foldable: the conv's output is also read by the residual add\n"
    "  d0 = c |> conv2d(12, 3, padding=1, name=\"c4\")\n"
    "  d = batchnorm(d0, name=\"b4\") + d0\n"
    "  # not foldable: a batchnorm after an add\n"
    "  y = (d + c) |> batchnorm(name=\"b5\")\n"
    "}\n";
} // namespace

TEST(FoldBatchNorm, FoldsConvBatchNormPairsOnly) {
  Graph g = unoptimisedGraph(kSource);
  ASSERT_EQ(countOf(g, OpKind::BatchNorm), 5u);
  ASSERT_EQ(countOf(g, OpKind::Conv2d), 4u);
  EXPECT_EQ(foldBatchNorm(g), 3);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::BatchNorm), 2u);
  EXPECT_EQ(countOf(g, OpKind::Conv2d), 4u);
  int folded = 0;
  for (NodeId c : g.nodesOf(OpKind::Conv2d)) {
    const Node& n = g.nodes[c];
    if (n.spans.size() == 2) {
      ++folded;
      EXPECT_EQ(n.inputs.size(), 3u); // the folded bias, also for the convs without one
      EXPECT_NE(g.producer(n.inputs[1]).op, OpKind::Param); // W * a
    }
  }
  EXPECT_EQ(folded, 3);
  EXPECT_EQ(foldBatchNorm(g), 0); // nothing left to fold
}

TEST(FoldBatchNorm, SameNumbersOnCpuAndReference) {
  Graph before = unoptimisedGraph(kSource);
  Graph after = before;
  ASSERT_EQ(foldBatchNorm(after), 3);
  expectSameNumbers(before, after, "cpu", {2, 3, 11, 9});
  expectSameNumbers(before, after, "reference", {1, 3, 7, 10});
}

TEST(FoldBatchNorm, FlagshipHasNoBatchNormLeft) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  size_t bns = countOf(before, OpKind::BatchNorm), convs = countOf(before, OpKind::Conv2d);
  ASSERT_GT(bns, 20u);
  Graph after = before;
  EXPECT_EQ(foldBatchNorm(after), static_cast<int>(bns));
  EXPECT_TRUE(verifyGraph(after).isOk());
  EXPECT_EQ(countOf(after, OpKind::BatchNorm), 0u);
  EXPECT_EQ(countOf(after, OpKind::Conv2d), convs);
  expectSameNumbers(before, after, "cpu", {1, 3, 64, 48});
}
