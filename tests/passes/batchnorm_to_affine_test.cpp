// batchnorm-to-affine: batchnorms that no conv absorbs become x * a + c with per-channel a and c
// (computed from the parameters, so weight-only), on 4-d and 2-d inputs; same numbers.
#include "compiler/passes/batchnorm_to_affine.h"
#include "compiler/passes/weight_only.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource = "model M(x: [N, 3, H, W]) -> y {\n"
                      "  a = x |> conv2d(6, 3, padding=1, name=\"c1\")\n"
                      "  b = (a + 1.0) |> batchnorm(name=\"b1\")\n"
                      "  v = mean(b, axes=[2, 3]) |> batchnorm(eps=1e-3, name=\"b2\")\n"
                      "  y = b * reshape(v, shape=[N, 6, 1, 1])\n"
                      "}\n";
}

TEST(BatchNormToAffine, RewritesLoneBatchNorms) {
  Graph g = unoptimisedGraph(kSource);
  ASSERT_EQ(countOf(g, OpKind::BatchNorm), 2u);
  size_t muls = countOf(g, OpKind::Mul), adds = countOf(g, OpKind::Add);
  EXPECT_EQ(batchNormToAffine(g), 2);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::BatchNorm), 0u);
  // Per batchnorm, at run time: one mul and one add on the activation.
  auto weightOnly = weightOnlyNodes(g);
  size_t runtimeMuls = 0, runtimeAdds = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].dead || weightOnly[i]) continue;
    runtimeMuls += g.nodes[i].op == OpKind::Mul;
    runtimeAdds += g.nodes[i].op == OpKind::Add;
  }
  EXPECT_EQ(runtimeMuls, muls + 2);
  EXPECT_EQ(runtimeAdds, adds + 2);
}

TEST(BatchNormToAffine, SameNumbers) {
  Graph before = unoptimisedGraph(kSource);
  Graph after = before;
  ASSERT_EQ(batchNormToAffine(after), 2);
  expectSameNumbers(before, after, "cpu", {2, 3, 9, 7});
  expectSameNumbers(before, after, "reference", {2, 3, 5, 6});
}
