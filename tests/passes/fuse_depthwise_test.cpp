// fuse-depthwise: a 1x1 conv read only by a 3x3 depthwise conv (padding 1, stride 1 or 2) becomes
// one conv2d with a fused depthwise stage; a 1x1 conv with a second reader, a grouped 1x1 conv
// and a 5x5 depthwise conv stay apart. Numbers agree with the unfused graph on both host backends
// (odd sizes, both strides, with and without activations), the shape rules check the stage's
// operands, and the flagship's eight inverted-residual blocks fuse with unchanged numbers.
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_depthwise.h"
#include "compiler/passes/fuse_epilogue.h"
#include "compiler/passes/fuse_residual.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource =
    "model M(x: [N, 3, H, W]) -> y {\n"
    "  require H % 2 == 0, W % 2 == 0\n"
    "  a = conv2d(x, 32, 3, padding=1, name=\"c0\")\n"
    "  e1 = relu6(conv2d(a, 64, 1, name=\"e1\"))\n"
    "  d1 = relu6(conv2d(e1, 64, 3, stride=2, padding=1, groups=64, name=\"d1\"))\n" // fused
    "  e2 = conv2d(d1, 64, 1, name=\"e2\")\n"
    "  d2 = conv2d(e2, 64, 3, padding=1, groups=64, name=\"d2\")\n" // fused
    "  e3 = relu(conv2d(d2, 32, 1, name=\"e3\"))\n"
    "  d3 = conv2d(e3, 32, 3, padding=1, groups=32, name=\"d3\") + e3\n" // e3: 2 readers
    "  e4 = conv2d(d3, 32, 1, groups=2, name=\"e4\")\n"
    "  d4 = conv2d(e4, 32, 3, padding=1, groups=32, name=\"d4\")\n" // e4 grouped
    "  e5 = conv2d(d4, 16, 1, name=\"e5\")\n"
    "  d5 = conv2d(e5, 16, 5, padding=2, groups=16, name=\"d5\")\n" // 5x5
    "  y = conv2d(d5, 3, 1, name=\"head\")\n"
    "}\n";

Graph withEpilogues(Graph g) {
  EXPECT_EQ(fuseEpilogue(g), 3); // e1, d1 (relu6), e3 (relu)
  return g;
}
} // namespace

TEST(FuseDepthwise, FusesOnlyAPointwiseConvIntoItsSoleDepthwiseReader) {
  Graph g = withEpilogues(unoptimisedGraph(kSource));
  const size_t convs = countOf(g, OpKind::Conv2d);
  EXPECT_EQ(fuseDepthwise(g), 2);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::Conv2d), convs - 2);
  std::vector<std::pair<int64_t, Epilogue>> stages;
  for (NodeId id : g.nodesOf(OpKind::Conv2d)) {
    const Node& n = g.nodes[id];
    const auto& a = attrsOf<Conv2dAttrs>(n);
    if (!a.depthwise) continue;
    stages.push_back({a.depthwise, a.depthwiseEpilogue});
    EXPECT_EQ(n.inputs.size(), 5u); // x, w, bias, depthwise weight, depthwise bias
    EXPECT_EQ(g.type(n.inputs[3]).shape.size(), 4u);
    EXPECT_GE(n.spans.size(), 2u); // the 1x1 conv's and the depthwise conv's (and activations)
  }
  const std::vector<std::pair<int64_t, Epilogue>> want{{2, Epilogue::Relu6}, {1, Epilogue::None}};
  EXPECT_EQ(stages, want);
  EXPECT_EQ(fuseDepthwise(g), 0);
}

TEST(FuseDepthwise, SameNumbersOnCpuAndReference) {
  Graph before = withEpilogues(unoptimisedGraph(kSource));
  Graph after = before;
  ASSERT_EQ(fuseDepthwise(after), 2);
  expectSameNumbers(before, after, "cpu", {2, 3, 14, 10}); // d1's output 7x5
  expectSameNumbers(before, after, "cpu", {1, 3, 32, 48});
  // From 256x256 (d1's input 256x256) oneDNN takes its jit 1x1 kernel with the fused stage.
  expectSameNumbers(before, after, "cpu", {1, 3, 256, 256});
  expectSameNumbers(before, after, "reference", {1, 3, 6, 10});
}

TEST(FuseDepthwise, ShapeRulesCheckTheStage) {
  Graph g = withEpilogues(unoptimisedGraph(kSource));
  ASSERT_EQ(fuseDepthwise(g), 2);
  NodeId fused = -1;
  for (NodeId id : g.nodesOf(OpKind::Conv2d))
    if (attrsOf<Conv2dAttrs>(g.nodes[id]).depthwise) fused = id;
  ASSERT_GE(fused, 0);
  Graph wrongWeight = g;
  Node& n = wrongWeight.nodes[fused];
  n.inputs[3] = n.inputs[1]; // the 1x1 weight where the depthwise one belongs
  Status st = verifyGraph(wrongWeight);
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("conv2d: the depthwise weight must have shape"), std::string::npos)
      << st.message();
  Graph badStride = g;
  attrsOf<Conv2dAttrs>(badStride.nodes[fused]).depthwise = 3;
  st = verifyGraph(badStride);
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("conv2d: a fused depthwise stage needs"), std::string::npos)
      << st.message();
}

TEST(FuseDepthwise, FlagshipInvertedResidualsFuseWithTheSameNumbers) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  foldBatchNorm(before);
  ASSERT_EQ(fuseResidual(before), 8);
  ASSERT_GT(fuseEpilogue(before), 0);
  Graph after = before;
  // Each of the encoder's eight blocks: expand (1x1, ReLU6) -> depthwise 3x3 (ReLU6).
  EXPECT_EQ(fuseDepthwise(after), 8);
  EXPECT_TRUE(verifyGraph(after).isOk()) << verifyGraph(after).message();
  expectSameNumbers(before, after, "cpu", {1, 3, 64, 64});
  expectSameNumbers(before, after, "cpu", {1, 3, 48, 80});
  expectSameNumbers(before, after, "cpu", {1, 3, 256, 256});
  expectSameNumbers(before, after, "cpu", {1, 3, 128, 128});
}
