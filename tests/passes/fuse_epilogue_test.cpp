// fuse-epilogue: activations after a conv or matmul become its epilogue (clamp(0, 6) as relu6),
// except where the conv's output has another reader or the activation cannot be expressed
// (leaky_relu after a matmul, a clamp to other bounds); numbers agree on both backends.
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_epilogue.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource = "model M(x: [N, 3, H, W]) -> y {\n"
                      "  a = x |> conv2d(8, 3, padding=1, name=\"c1\") |> relu()\n"
                      "  b = a |> conv2d(8, 3, padding=1, name=\"c2\") |> relu6()\n"
                      "  c = b |> conv2d(8, 3, padding=1, name=\"c3\") |> clamp(lo=0.0, hi=6.0)\n"
                      "  d = c |> conv2d(8, 1, name=\"c4\") |> leaky_relu(alpha=0.2)\n"
                      "  e = d |> conv2d(8, 1, name=\"c5\") |> tanh()\n"
                      "  f0 = e |> conv2d(8, 1, name=\"c6\")\n"
                      "  f = sigmoid(f0) * f0\n"
                      "  g = f |> conv2d(8, 1, name=\"c7\") |> clamp(lo=0.0, hi=1.0)\n"
                      "  h = permute(g, perm=[0, 2, 3, 1]) |> linear(8, name=\"l1\") |> sigmoid()\n"
                      "  i = h |> linear(8, name=\"l2\") |> leaky_relu(alpha=0.1)\n"
                      "  y = permute(i, perm=[0, 3, 1, 2])\n"
                      "}\n";

int withEpilogue(const Graph& g, OpKind op) {
  int n = 0;
  for (NodeId id : g.nodesOf(op)) {
    const Node& node = g.nodes[id];
    Epilogue e = op == OpKind::Conv2d ? attrsOf<Conv2dAttrs>(node).epilogue
                                      : attrsOf<MatMulAttrs>(node).epilogue;
    n += e != Epilogue::None;
  }
  return n;
}
} // namespace

TEST(FuseEpilogue, FusesWhatTheKernelsCanApply) {
  Graph g = unoptimisedGraph(kSource);
  ASSERT_EQ(countOf(g, OpKind::MatMul), 2u) << "linear is expected to lower to matmul";
  EXPECT_EQ(fuseEpilogue(g), 6); // c1..c5 and l1
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::Relu) + countOf(g, OpKind::Relu6) + countOf(g, OpKind::Tanh), 0u);
  EXPECT_EQ(countOf(g, OpKind::Sigmoid), 1u);   // c6's output has two readers
  EXPECT_EQ(countOf(g, OpKind::Clamp), 1u);     // clamp(0, 1) is no epilogue
  EXPECT_EQ(countOf(g, OpKind::LeakyRelu), 1u); // matmul has no slope attribute
  EXPECT_EQ(withEpilogue(g, OpKind::Conv2d), 5);
  EXPECT_EQ(withEpilogue(g, OpKind::MatMul), 1);
  for (NodeId c : g.nodesOf(OpKind::Conv2d)) {
    const Node& n = g.nodes[c];
    if (attrsOf<Conv2dAttrs>(n).epilogue == Epilogue::LeakyRelu) {
      EXPECT_DOUBLE_EQ(attrsOf<Conv2dAttrs>(n).epilogueAlpha, 0.2);
    }
    EXPECT_EQ(n.spans.size(), attrsOf<Conv2dAttrs>(n).epilogue == Epilogue::None ? 1u : 2u);
  }
  EXPECT_EQ(fuseEpilogue(g), 0);
}

TEST(FuseEpilogue, SameNumbersOnCpuAndReference) {
  Graph before = unoptimisedGraph(kSource);
  Graph after = before;
  ASSERT_EQ(fuseEpilogue(after), 6);
  expectSameNumbers(before, after, "cpu", {2, 3, 13, 8});
  expectSameNumbers(before, after, "reference", {1, 3, 6, 9});
}

TEST(FuseEpilogue, ZeroDceConvsTakeTheirActivations) {
  Graph before = unoptimisedGraph("models/zero_dce.llie", true);
  Graph after = before;
  EXPECT_EQ(fuseEpilogue(after), 7); // six relus and the tanh
  EXPECT_TRUE(verifyGraph(after).isOk());
  EXPECT_EQ(countOf(after, OpKind::Relu) + countOf(after, OpKind::Tanh), 0u);
  EXPECT_EQ(withEpilogue(after, OpKind::Conv2d), 7);
  expectSameNumbers(before, after, "cpu", {1, 3, 32, 48});
  expectSameNumbers(before, after, "reference", {1, 3, 16, 16});
}

TEST(FuseEpilogue, FlagshipAfterFoldingHasNoActivationNodes) {
  Graph before = unoptimisedGraph("models/sadfpn_unet.llie", true);
  Graph after = before;
  foldBatchNorm(after);
  int relus = static_cast<int>(countOf(before, OpKind::Relu) + countOf(before, OpKind::Relu6));
  ASSERT_GT(relus, 20);
  EXPECT_EQ(fuseEpilogue(after), relus + 1); // and the head's sigmoid
  EXPECT_TRUE(verifyGraph(after).isOk());
  EXPECT_EQ(countOf(after, OpKind::Relu) + countOf(after, OpKind::Relu6), 0u);
  EXPECT_EQ(countOf(after, OpKind::Sigmoid), 0u);
  EXPECT_EQ(withEpilogue(after, OpKind::Conv2d), relus + 1);
}
