// fuse-residual: add(r, conv2d(x)) becomes a conv2d with r as its residual where the conv's
// output has no other reader, the conv has no epilogue yet, the add does not broadcast and r is
// not the conv's own input; numbers agree with the unfused graph on both host backends (also
// with a relu taken as epilogue afterwards: relu(conv + r)), the flagship's eight shortcut and
// FPN adds fuse, and the memory plan runs each fused conv in its residual's bytes.
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_epilogue.h"
#include "compiler/passes/fuse_residual.h"
#include "compiler/passes/memory_requests.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource = "model M(x: [N, 3, H, W]) -> y {\n"
                      "  a = x |> conv2d(8, 3, padding=1, name=\"c1\")\n"
                      "  b = a + conv2d(relu(a), 8, 3, padding=1, name=\"c2\")\n" // fused
                      "  c = relu(conv2d(b, 8, 1, name=\"c3\") + b * 0.5)\n"      // fused
                      "  d = c + conv2d(c, 8, 3, padding=1, name=\"c4\")\n"       // x is r
                      "  e0 = conv2d(d, 8, 1, name=\"c5\")\n"
                      "  e = e0 + e0 * d\n"                            // 2 readers
                      "  f = relu(conv2d(e, 8, 1, name=\"c6\")) + e\n" // act first
                      "  g = conv2d(f, 8, 1, name=\"c7\") + mean(f, axes=[2, 3], keepdim=true)\n"
                      "  y = conv2d(g, 3, 3, padding=1, name=\"c8\") + x\n" // fused
                      "}\n";

/// Adds of 4-D values (activations; the folded weights' adds are 1-D).
size_t activationAdds(const Graph& g) {
  size_t n = 0;
  for (NodeId id : g.nodesOf(OpKind::Add))
    n += g.type(g.nodes[id].outputs[0]).shape.size() == 4;
  return n;
}

size_t withResidual(const Graph& g) {
  size_t n = 0;
  for (NodeId id : g.nodesOf(OpKind::Conv2d))
    n += attrsOf<Conv2dAttrs>(g.nodes[id]).residual;
  return n;
}
} // namespace

TEST(FuseResidual, FusesOnlyWhereTheConvCanSumInPlace) {
  Graph g = unoptimisedGraph(kSource);
  const size_t adds = countOf(g, OpKind::Add);
  EXPECT_EQ(fuseResidual(g), 3); // c2, c3, c8
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::Add), adds - 3);
  EXPECT_EQ(withResidual(g), 3u);
  for (NodeId id : g.nodesOf(OpKind::Conv2d)) {
    const Node& n = g.nodes[id];
    if (!attrsOf<Conv2dAttrs>(n).residual) continue;
    EXPECT_EQ(n.inputs.size(), 4u); // x, w, bias, residual
    EXPECT_EQ(g.type(n.inputs[3]).shape, g.type(n.outputs[0]).shape);
    EXPECT_EQ(n.spans.size(), 2u); // the conv's and the add's
  }
  EXPECT_EQ(fuseResidual(g), 0);
  // Then relu(c3 + r) becomes c3's epilogue: relu(conv + bias + residual).
  EXPECT_GE(fuseEpilogue(g), 2); // c3's relu (and c6's, which stays before its add)
  bool reluAfterResidual = false;
  for (NodeId id : g.nodesOf(OpKind::Conv2d)) {
    const auto& a = attrsOf<Conv2dAttrs>(g.nodes[id]);
    reluAfterResidual |= a.residual && a.epilogue == Epilogue::Relu;
  }
  EXPECT_TRUE(reluAfterResidual);
}

TEST(FuseResidual, SameNumbersOnCpuAndReference) {
  Graph before = unoptimisedGraph(kSource);
  Graph after = before;
  ASSERT_EQ(fuseResidual(after), 3);
  ASSERT_GE(fuseEpilogue(after), 2);
  expectSameNumbers(before, after, "cpu", {2, 3, 13, 8});
  expectSameNumbers(before, after, "cpu", {1, 3, 32, 48});
  expectSameNumbers(before, after, "reference", {1, 3, 6, 9});
}

TEST(FuseResidual, ShapeRulesCheckTheResidual) {
  Graph g = unoptimisedGraph(kSource);
  ASSERT_EQ(fuseResidual(g), 3);
  NodeId fused = -1;
  for (NodeId id : g.nodesOf(OpKind::Conv2d))
    if (attrsOf<Conv2dAttrs>(g.nodes[id]).residual) fused = id;
  ASSERT_GE(fused, 0);
  Graph wrongShape = g;
  Node& n = wrongShape.nodes[fused];
  n.inputs.back() = n.inputs[1]; // the weight is no residual
  Status st = verifyGraph(wrongShape);
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("conv2d: the residual"), std::string::npos) << st.message();
  Graph noFlag = g;
  attrsOf<Conv2dAttrs>(noFlag.nodes[fused]).residual = false;
  st = verifyGraph(noFlag);
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("conv2d: takes x, a weight and an optional bias, got 4 inputs"),
            std::string::npos)
      << st.message();
}

TEST(FuseResidual, FlagshipShortcutsAndFpnAddsRunInPlace) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  Graph after = before;
  foldBatchNorm(after);
  // Four inverted-residual shortcuts (x + project(h)) and four FPN levels (lateral + upsample).
  EXPECT_EQ(fuseResidual(after), 8);
  EXPECT_TRUE(verifyGraph(after).isOk()) << verifyGraph(after).message();
  EXPECT_EQ(activationAdds(before), 8u);
  EXPECT_EQ(activationAdds(after), 0u); // the folding's weight-only adds stay
  auto sg = specializeGraph(after, {{"x", {1, 3, 64, 64}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  MemoryRequests r = memoryRequests(*sg);
  int inPlace = 0;
  for (NodeId id : sg->nodesOf(OpKind::Conv2d)) {
    const Node& n = sg->nodes[id];
    if (!attrsOf<Conv2dAttrs>(n).residual) continue;
    const ValueId res = n.inputs.back();
    const ValueId root = r.aliasOf[res] == kNoValue ? res : r.aliasOf[res];
    inPlace += r.aliasOf[n.outputs[0]] == root;
  }
  EXPECT_EQ(inPlace, 8);
  expectSameNumbers(before, after, "cpu", {1, 3, 64, 64});
}
