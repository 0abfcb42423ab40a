// fuse-elementwise: Zero-DCE's curve iterations become fused nodes (all of them in one, or two
// when the fourth iteration's value is an output too); a value read outside a chain splits it;
// graph outputs stay values of their own; broadcast operands (per-channel, scalar) fuse; a
// chain between convs stays channels-last on the cpu; the fused graphs give the unfused graphs'
// numbers on the cpu and reference backends; the expression text round-trips and a malformed
// one is an error value; .llie cannot call the op.
#include "backends/cpu/layout.h"
#include "compiler/ops/fused_expr.h"
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_elementwise.h"
#include "compiler/passes/fuse_epilogue.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {

size_t elementwiseOps(const Graph& g) {
  size_t n = 0;
  for (const Node& node : g.nodes)
    n += !node.dead && isFusibleElementwise(node.op);
  return n;
}

const std::string& exprOf(const Graph& g, NodeId id) {
  return attrsOf<FusedElementwiseAttrs>(g.nodes[id]).expr;
}

/// Zero-DCE's curve as the pass writes it: iteration n is add(y, mul(alpha_n, sub(mul(y, y),
/// y))), y being %0 (the image) or the previous statement, alpha_n input n + first.
std::string curve(int from, int iterations) {
  std::string e;
  for (int n = 0; n < iterations; ++n) {
    std::string y = n == 0 ? "%0" : "$" + std::to_string(n - 1);
    e += (n ? "; " : "") + std::string("add(") + y + ", mul(%" + std::to_string(from + n) +
         ", sub(mul(" + y + ", " + y + "), " + y + ")))";
  }
  return e;
}

} // namespace

TEST(FuseElementwise, ZeroDceCurveIsOneFusedNode) {
  Graph before = unoptimisedGraph("models/zero_dce.llie", true);
  Graph g = before;
  fuseEpilogue(g);
  // The curve: 8 iterations of y + a * (y * y - y), four elementwise ops each. (The convs took
  // their relus and the tanh as epilogues; split's 8 slices are data movement.)
  ASSERT_EQ(elementwiseOps(g), 32u);
  ASSERT_EQ(countOf(g, OpKind::Slice), 8u);
  const size_t nodes = g.nodes.size();
  EXPECT_EQ(fuseElementwise(g), 1);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  // Only `enhanced` is an output, so every iteration's y is read inside the chain alone: the 32
  // ops are one node over the image and the 8 alphas.
  EXPECT_EQ(elementwiseOps(g), 0u);
  ASSERT_EQ(countOf(g, OpKind::FusedElementwise), 1u);
  EXPECT_EQ(g.nodes.size(), nodes - 31);
  NodeId f = g.nodesOf(OpKind::FusedElementwise)[0];
  EXPECT_EQ(exprOf(g, f), curve(1, 8));
  ASSERT_EQ(g.nodes[f].inputs.size(), 9u);
  EXPECT_EQ(g.producer(g.nodes[f].inputs[0]).op, OpKind::Input);
  for (size_t i = 1; i < 9; ++i)
    EXPECT_EQ(g.producer(g.nodes[f].inputs[i]).op, OpKind::Slice) << i;
  EXPECT_EQ(g.outputs[0].value, g.nodes[f].outputs[0]);
  // One line of zero_dce.llie: the iterations' spans are the same four, kept once each.
  EXPECT_EQ(g.nodes[f].spans.size(), 4u);
  EXPECT_EQ(fuseElementwise(g), 0);
  expectSameNumbers(before, g, "cpu", {2, 3, 40, 24});
  expectSameNumbers(before, g, "reference", {1, 3, 16, 16});
}

TEST(FuseElementwise, ZeroDceOutputAfterFourIterationsSplitsTheCurve) {
  ElaborateOptions eo;
  eo.allOutputs = true; // enhanced, A and y4 (the value after iteration 4)
  Graph before = unoptimisedGraph("models/zero_dce.llie", true, eo);
  Graph g = before;
  fuseEpilogue(g);
  ASSERT_EQ(elementwiseOps(g), 32u);
  EXPECT_EQ(fuseElementwise(g), 2);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  EXPECT_EQ(elementwiseOps(g), 0u);
  auto fused = g.nodesOf(OpKind::FusedElementwise);
  ASSERT_EQ(fused.size(), 2u);
  // Iterations 0-3 end in y4, which is an output: it leaves the first node and enters the
  // second as its %0.
  EXPECT_EQ(exprOf(g, fused[0]), curve(1, 4));
  EXPECT_EQ(exprOf(g, fused[1]), curve(1, 4));
  EXPECT_EQ(g.nodes[fused[1]].inputs[0], g.nodes[fused[0]].outputs[0]);
  std::vector<ValueId> outs;
  for (auto& o : g.outputs)
    outs.push_back(o.value);
  EXPECT_NE(std::find(outs.begin(), outs.end(), g.nodes[fused[0]].outputs[0]), outs.end());
  EXPECT_NE(std::find(outs.begin(), outs.end(), g.nodes[fused[1]].outputs[0]), outs.end());
  expectSameNumbers(before, g, "cpu", {1, 3, 32, 48});
  expectSameNumbers(before, g, "reference", {1, 3, 16, 16});
}

namespace {
// t is read by the conv and by the second chain, so it ends the first chain and enters the
// second one as an operand.
const char* kSplit = "model M(x: [N, 3, H, W]) -> y {\n"
                     "  t = exp(x) * 0.5\n"
                     "  u = t |> conv2d(3, 1, name=\"c\")\n"
                     "  y = sigmoid(t) * u + t\n"
                     "}\n";
} // namespace

TEST(FuseElementwise, AValueReadOutsideTheChainSplitsIt) {
  Graph before = unoptimisedGraph(kSplit);
  Graph g = before;
  EXPECT_EQ(fuseElementwise(g), 2);
  EXPECT_TRUE(verifyGraph(g).isOk()) << verifyGraph(g).message();
  auto fused = g.nodesOf(OpKind::FusedElementwise);
  ASSERT_EQ(fused.size(), 2u);
  const Node& first = g.nodes[fused[0]];
  const Node& second = g.nodes[fused[1]];
  EXPECT_EQ(exprOf(g, fused[0]), "mul(exp(%0), %1)");
  EXPECT_EQ(g.producer(first.inputs[1]).op, OpKind::Constant); // 0.5, a scalar operand
  EXPECT_EQ(exprOf(g, fused[1]), "add(mul(sigmoid(%0), %1), %0)");
  ASSERT_EQ(second.inputs.size(), 2u);
  EXPECT_EQ(second.inputs[0], first.outputs[0]);
  EXPECT_EQ(g.producer(second.inputs[1]).op, OpKind::Conv2d);
  EXPECT_EQ(g.producer(second.inputs[1]).inputs[0], first.outputs[0]);
  EXPECT_EQ(elementwiseOps(g), 0u);
  expectSameNumbers(before, g, "cpu", {2, 3, 9, 70});
  expectSameNumbers(before, g, "reference", {1, 3, 5, 7});
}

TEST(FuseElementwise, GraphOutputsStayValuesOfTheirOwn) {
  ElaborateOptions eo;
  eo.allOutputs = true;
  Graph before = unoptimisedGraph("model M(x: [N, 3, H, W]) -> (z, y) {\n"
                                  "  z = x * 2.0 + 1.0\n"
                                  "  y = z * z - 0.25\n"
                                  "}\n",
                                  false, eo);
  Graph g = before;
  EXPECT_EQ(fuseElementwise(g), 2);
  auto fused = g.nodesOf(OpKind::FusedElementwise);
  ASSERT_EQ(fused.size(), 2u);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0].name, "z");
  EXPECT_EQ(g.outputs[0].value, g.nodes[fused[0]].outputs[0]);
  EXPECT_EQ(g.outputs[1].value, g.nodes[fused[1]].outputs[0]);
  EXPECT_EQ(exprOf(g, fused[0]), "add(mul(%0, %1), %2)");
  EXPECT_EQ(exprOf(g, fused[1]), "sub(mul(%0, %0), %1)");
  EXPECT_EQ(g.nodes[fused[1]].inputs[0], g.outputs[0].value);
  expectSameNumbers(before, g, "cpu", {1, 3, 17, 33});
  expectSameNumbers(before, g, "reference", {1, 3, 4, 6});
}

TEST(FuseElementwise, BroadcastOperandsAndLoneOps) {
  // m is per channel ([N, 3, 1, 1]): a different shape, so it is an operand of the chain (the
  // reduction is no elementwise op anyway); 2.0, 0 and 1 are scalars. The lone relu of w is a
  // group of one and stays a relu.
  Graph before = unoptimisedGraph("model M(x: [N, 3, H, W]) -> y {\n"
                                  "  m = mean(x, axes=[2, 3], keepdim=true)\n"
                                  "  w = relu(m |> conv2d(3, 1, name=\"c\"))\n"
                                  "  y = clamp((x - m) * 2.0 + w, lo=0.0, hi=1.0)\n"
                                  "}\n");
  Graph g = before;
  EXPECT_EQ(fuseElementwise(g), 1);
  auto fused = g.nodesOf(OpKind::FusedElementwise);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(exprOf(g, fused[0]), "clamp(add(mul(sub(%0, %1), %2), %3), lo=0, hi=1)");
  EXPECT_EQ(countOf(g, OpKind::Relu), 1u);
  expectSameNumbers(before, g, "cpu", {2, 3, 31, 45});
  expectSameNumbers(before, g, "reference", {2, 3, 5, 4});
}

TEST(FuseElementwise, AChainBetweenConvsStaysChannelsLastOnTheCpu) {
  // Same-shape operands only: the fused node is layout-transparent, so the convs' outputs it
  // reads and its own output (read by a conv) stay NHWC, and its kernel sees flat arrays.
  Graph before = unoptimisedGraph("model M(x: [N, 3, H, W]) -> y {\n"
                                  "  a = x |> conv2d(8, 3, padding=1, name=\"c1\")\n"
                                  "  b = x |> conv2d(8, 3, padding=1, name=\"c2\")\n"
                                  "  c = (a + b) * a\n"
                                  "  y = c |> conv2d(3, 1, name=\"c3\")\n"
                                  "}\n");
  Graph g = before;
  EXPECT_EQ(fuseElementwise(g), 1);
  NodeId f = g.nodesOf(OpKind::FusedElementwise).at(0);
  EXPECT_EQ(exprOf(g, f), "mul(add(%0, %1), %0)");
  std::vector<bool> nhwc = cpu::channelsLastValues(g);
  EXPECT_TRUE(nhwc[g.nodes[f].inputs[0]]);
  EXPECT_TRUE(nhwc[g.nodes[f].inputs[1]]);
  EXPECT_TRUE(nhwc[g.nodes[f].outputs[0]]);
  expectSameNumbers(before, g, "cpu", {2, 3, 12, 20});
}

TEST(FuseElementwise, TextFormRoundTripsAndRejectsMalformedPrograms) {
  for (std::string text :
       {"add(%0, mul(%1, sub(mul(%0, %0), %0)))", "sigmoid(%0); mul($0, add($0, %1))",
        "clamp(leaky_relu(%0, alpha=0.2), lo=-1.5, hi=0.1)",
        "where(%2, pow_scalar(%0, exponent=3), %1)"}) {
    auto p = parseFusedProgram(text, 3);
    ASSERT_TRUE(p.ok()) << text << ": " << p.status().message();
    EXPECT_EQ(formatFusedProgram(*p), text);
  }
  // The flat step list: operands name inputs, then earlier steps.
  auto p = parseFusedProgram("sigmoid(%0); mul($0, add($0, %1))", 2);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->steps.size(), 3u);
  EXPECT_EQ(p->steps[0].op, OpKind::Sigmoid);
  EXPECT_EQ(p->steps[1].op, OpKind::Add);
  EXPECT_EQ(p->steps[1].args, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(p->steps[2].args, (std::vector<int32_t>{2, 3}));
  auto cond = fusedConditionInputs(*parseFusedProgram("where(%2, %0, %1)", 3));
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(*cond, (std::vector<bool>{false, false, true}));

  auto error = [](const std::string& text, int inputs) {
    auto r = parseFusedProgram(text, inputs);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_NE(error("add(%0, %2)", 2).find("input %2 of a node with 2 inputs"), std::string::npos);
  EXPECT_NE(error("conv2d(%0, %1)", 2).find("'conv2d' is no fusible op"), std::string::npos);
  EXPECT_NE(error("add(%0)", 1).find("add takes 2 operands, got 1"), std::string::npos);
  EXPECT_NE(error("clamp(%0, low=1)", 1).find("clamp has no setting 'low'"), std::string::npos);
  EXPECT_NE(error("relu($0)", 1).find("$0 before that statement"), std::string::npos);
  EXPECT_NE(error("relu(%0) relu(%0)", 1).find("expected ';' or the end"), std::string::npos);
  EXPECT_NE(error("%0", 1).find("a statement must be an op"), std::string::npos);
  auto both = fusedConditionInputs(*parseFusedProgram("where(%0, %0, %1)", 2));
  EXPECT_FALSE(both.ok());
}

TEST(FuseElementwise, TheLanguageCannotCallTheFusedOp) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n"
                       "  y = fused_elementwise(x, expr=\"relu(%0)\")\n"
                       "}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_NE(r->errors.find("unknown op or block 'fused_elementwise'"), std::string::npos)
      << r->errors;
}
