// cse: repeated (op, attributes, inputs) nodes and equal constants are merged; parameters,
// inputs and nodes that differ in an attribute or an input are not; the numbers do not change.
#include "compiler/passes/cse.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource =
    "model M(x: [N, 3, H, W]) -> y {\n"
    "  a = sigmoid(x) * 2.0\n"
    "  b = sigmoid(x) * 2.0\n"
    "  c = x |> conv2d(3, 3, padding=1, name=\"c1\")\n"
    "  d = x |> conv2d(3, 3, padding=1, name=\"c2\")\n"
    "  e = avg_pool2d(c, 3, stride=1, padding=1) + avg_pool2d(c, 3, stride=1, padding=1)\n"
    "  f = avg_pool2d(c, 1, stride=1)\n"
    "  y = a + b + d + e + f * 3.0\n"
    "}\n";
}

TEST(Cse, MergesRepeatedNodesOnly) {
  Graph g = unoptimisedGraph(kSource);
  size_t consts = countOf(g, OpKind::Constant), muls = countOf(g, OpKind::Mul);
  ASSERT_EQ(countOf(g, OpKind::Sigmoid), 2u);
  ASSERT_EQ(countOf(g, OpKind::AvgPool2d), 3u);
  size_t params = countOf(g, OpKind::Param);
  int merged = eliminateCommonSubexpressions(g);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(countOf(g, OpKind::Sigmoid), 1u);
  EXPECT_EQ(countOf(g, OpKind::Mul), muls - 1);
  EXPECT_EQ(countOf(g, OpKind::Constant), consts - 1); // the two 2.0s; 3.0 stays
  EXPECT_EQ(countOf(g, OpKind::AvgPool2d), 2u);        // the kernel differs
  EXPECT_EQ(countOf(g, OpKind::Conv2d), 2u);           // different weights
  EXPECT_EQ(countOf(g, OpKind::Param), params);
  EXPECT_EQ(merged, 4);
  EXPECT_EQ(eliminateCommonSubexpressions(g), 0);
}

TEST(Cse, SameNumbers) {
  Graph before = unoptimisedGraph(kSource);
  Graph after = before;
  ASSERT_GT(eliminateCommonSubexpressions(after), 0);
  expectSameNumbers(before, after, "cpu", {2, 3, 8, 12});
  expectSameNumbers(before, after, "reference", {1, 3, 5, 7});
}

TEST(Cse, ConstantsOfDifferentShapesStayApart) {
  Graph g;
  ConstantAttrs one;
  one.value = 1.0;
  ValueId a = g.add(OpKind::Constant, one, {}, TensorType{DType::F32, {}});
  ValueId b = g.add(OpKind::Constant, one, {}, TensorType{DType::F32, {Dim::constant(3)}});
  ValueId c = g.add(OpKind::Constant, one, {}, TensorType{DType::F32, {Dim::constant(3)}});
  ValueId s = g.add(OpKind::Add, NoAttrs{}, {a, b}, TensorType{DType::F32, {Dim::constant(3)}});
  ValueId t = g.add(OpKind::Add, NoAttrs{}, {s, c}, TensorType{DType::F32, {Dim::constant(3)}});
  g.outputs.push_back({"t", t});
  EXPECT_EQ(eliminateCommonSubexpressions(g), 1); // c is b
  EXPECT_EQ(countOf(g, OpKind::Constant), 2u);
  EXPECT_TRUE(verifyGraph(g).isOk());
}
