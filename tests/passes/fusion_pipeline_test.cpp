// The inference pipeline as compileModel runs it (fold-batchnorm, fuse-residual, fuse-epilogue,
// fuse-depthwise, cse, fuse-elementwise, dead-code elimination) on the repository's models: what is
// left of the flagship and Zero-DCE, the same numbers as the unoptimised graphs on both backends,
// and train entries left unfused.
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
int convsWith(const Graph& g, Epilogue e) {
  int n = 0;
  for (NodeId id : g.nodesOf(OpKind::Conv2d))
    n += attrsOf<Conv2dAttrs>(g.nodes[id]).epilogue == e;
  return n;
}
} // namespace

TEST(FusionPipeline, FlagshipIsConvsWithEpilogues) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  auto r = compileRepoModel("models/sadfpn_unet.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  EXPECT_EQ(countOf(g, OpKind::BatchNorm), 0u);
  EXPECT_EQ(countOf(g, OpKind::Relu) + countOf(g, OpKind::Relu6), 0u);
  EXPECT_EQ(countOf(g, OpKind::Sigmoid), 0u);
  // The eight encoder blocks' depthwise convs (and their ReLU6) are fused into the expansions.
  EXPECT_EQ(countOf(g, OpKind::Conv2d), countOf(before, OpKind::Conv2d) - 8);
  int depthwise = 0;
  for (NodeId id : g.nodesOf(OpKind::Conv2d)) {
    const auto& a = attrsOf<Conv2dAttrs>(g.nodes[id]);
    depthwise += a.depthwise > 0 && a.depthwiseEpilogue == Epilogue::Relu6;
  }
  EXPECT_EQ(depthwise, 8);
  EXPECT_EQ(convsWith(g, Epilogue::Relu6), static_cast<int>(countOf(before, OpKind::Relu6)) - 8);
  EXPECT_EQ(convsWith(g, Epilogue::Relu), static_cast<int>(countOf(before, OpKind::Relu)));
  EXPECT_EQ(convsWith(g, Epilogue::Sigmoid), 1);
  // every batchnorm's eps is one constant after cse
  EXPECT_LT(countOf(g, OpKind::Constant), 5u);
}

TEST(FusionPipeline, FlagshipSameNumbersOnCpu) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  auto r = compileRepoModel("models/sadfpn_unet.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  expectSameNumbers(before, r->model->graph, "cpu", {1, 3, 64, 64});
}

TEST(FusionPipeline, FlagshipSameNumbersOnReference) {
  ElaborateOptions eo;
  eo.overrides["slim"] = "4"; // keeps the float64 loops quick
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true, eo);
  auto r = compileRepoModel("models/sadfpn_unet.llie", eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  expectSameNumbers(before, r->model->graph, "reference", {1, 3, 32, 32});
}

TEST(FusionPipeline, ZeroDce) {
  Graph before = unoptimisedGraph("models/zero_dce.llie", true);
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  EXPECT_EQ(countOf(g, OpKind::Relu) + countOf(g, OpKind::Tanh), 0u);
  EXPECT_EQ(convsWith(g, Epilogue::Relu), 6);
  EXPECT_EQ(convsWith(g, Epilogue::Tanh), 1);
  // The curve's 8 iterations (32 adds, subs and muls) are one fused node.
  EXPECT_EQ(countOf(g, OpKind::Add) + countOf(g, OpKind::Sub) + countOf(g, OpKind::Mul), 0u);
  EXPECT_EQ(countOf(g, OpKind::FusedElementwise), 1u);
  expectSameNumbers(before, g, "cpu", {1, 3, 48, 32});
  expectSameNumbers(before, g, "reference", {1, 3, 16, 16});
}

TEST(FusionPipeline, TrainEntriesAreNotFused) {
  ElaborateOptions eo;
  eo.entry = "SADFPNTrain";
  auto r = compileRepoModel("models/sadfpn_unet.llie", eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  EXPECT_EQ(r->model->graph.kind, GraphKind::Training);
  EXPECT_GT(countOf(r->model->graph, OpKind::BatchNorm), 20u);
  EXPECT_GT(countOf(r->model->graph, OpKind::Relu6), 10u);
}
