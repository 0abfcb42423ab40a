// The fuse-batchnorm-activation pass: on the flagship's training step every relu6 after a
// batchnorm becomes the batchnorm's epilogue and every relu6 gradient mask moves into
// batchnorm_grad; the loss and every gradient stay bit-identical on the cpu backend; and the pass
// leaves a block alone when another node reads the normalised output or the masked gradient.
#include "compiler/ops/shape_rules.h"
#include "tests/autodiff/grad_check.h"
#include "tests/passes/step_check.h"

using namespace llie;
using namespace llie::testing;

namespace {

const std::vector<std::string> kWithout = {"training-mode", "backward", "rematerialize", "dce"};
const std::vector<std::string> kWith = {"training-mode", "backward", "rematerialize",
                                        "fuse-batchnorm-activation", "dce"};

size_t countWithEpilogue(const Graph& g, OpKind op, Epilogue e) {
  size_t n = 0;
  for (NodeId i : g.nodesOf(op))
    n += attrsOf<NormAttrs>(g.nodes[i]).epilogue == e;
  return n;
}

size_t countUnaryGrads(const Graph& g, const std::string& fn) {
  size_t n = 0;
  for (NodeId i : g.nodesOf(OpKind::UnaryGrad))
    n += attrsOf<UnaryGradAttrs>(g.nodes[i]).op == fn;
  return n;
}

} // namespace

TEST(FuseBatchNormActivation, FlagshipRelu6BlocksBecomeOneNodeEachWay) {
  Graph without = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWithout);
  Graph with = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWith);
  const size_t relu6 = countOf(without, OpKind::Relu6);
  const size_t masks = countUnaryGrads(without, "relu6");
  ASSERT_GT(relu6, 20u);
  ASSERT_GT(masks, 10u);
  // Every relu6 follows a batchnorm (forward or recomputed) and fuses into it.
  EXPECT_EQ(countOf(with, OpKind::Relu6), 0u);
  EXPECT_EQ(countWithEpilogue(with, OpKind::BatchNormTrain, Epilogue::Relu6) +
                countWithEpilogue(with, OpKind::BatchNorm, Epilogue::Relu6),
            relu6);
  // Every relu6 gradient mask moved into its batchnorm_grad, which now reads beta.
  EXPECT_EQ(countUnaryGrads(with, "relu6"), 0u);
  EXPECT_EQ(countWithEpilogue(with, OpKind::BatchNormGrad, Epilogue::Relu6), masks);
  for (NodeId i : with.nodesOf(OpKind::BatchNormGrad)) {
    const Node& n = with.nodes[i];
    const bool act = attrsOf<NormAttrs>(n).epilogue != Epilogue::None;
    EXPECT_EQ(n.inputs.size(), act ? 6u : 5u) << "node " << i;
  }
  // Recomputations that only fed a mask are gone; none is added.
  EXPECT_LE(countOf(with, OpKind::BatchNorm), countOf(without, OpKind::BatchNorm));
  EXPECT_TRUE(verifyGraph(with).isOk());
}

TEST(FuseBatchNormActivation, FlagshipStepGivesTheSameLossAndGradientsBitForBit) {
  Graph without = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWithout);
  Graph with = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWith);
  expectIdentical(runStep(without, {2, 3, 32, 32}), runStep(with, {2, 3, 32, 32}));
}

TEST(FuseBatchNormActivation, LeavesBlocksWhoseIntermediatesOthersRead) {
  // y = batchnorm(x) feeds both relu6 and an add: the activation can't become an epilogue.
  gradcheck::GC c;
  ValueId x = c.param({2, 4, 5, 5});
  ValueId rm = c.state("rm", {4}, 0.f), rv = c.state("rv", {4}, 1.f);
  ValueId y = c.op(OpKind::BatchNorm, NormAttrs{}, {x, c.param({4}), c.param({4}), rm, rv});
  ValueId out = c.op(OpKind::Add, {c.op(OpKind::Relu6, {y}), y});
  auto step = gradcheck::weightedSumStep(c, out);
  ASSERT_TRUE(step.ok()) << step.status().message();
  EXPECT_EQ(countOf(*step, OpKind::Relu6) + countOf(*step, OpKind::UnaryGrad), 2u);
  EXPECT_EQ(countWithEpilogue(*step, OpKind::BatchNormTrain, Epilogue::None), 1u);
  EXPECT_EQ(countWithEpilogue(*step, OpKind::BatchNormGrad, Epilogue::None), 1u);
}

TEST(FuseBatchNormActivation, TheShapeRulesRefuseMalformedFusedNodes) {
  gradcheck::GC c;
  ValueId x = c.param({2, 4, 5, 5});
  ValueId s = c.param({4});
  auto accepts = [&](OpKind k, Epilogue e, std::vector<ValueId> ins) {
    NormAttrs a;
    a.epilogue = e;
    std::vector<TensorType> ts;
    for (ValueId v : ins)
      ts.push_back(c.g.type(v));
    return inferTypes(k, a, ts, c.g.symbols).ok();
  };
  // batchnorm_grad takes beta exactly when it has an epilogue.
  EXPECT_TRUE(accepts(OpKind::BatchNormGrad, Epilogue::Relu6, {x, s, s, s, x, s}));
  EXPECT_FALSE(accepts(OpKind::BatchNormGrad, Epilogue::Relu6, {x, s, s, s, x}));
  EXPECT_FALSE(accepts(OpKind::BatchNormGrad, Epilogue::None, {x, s, s, s, x, s}));
  EXPECT_FALSE(accepts(OpKind::BatchNormGrad, Epilogue::Relu, {x, s, s, s, x, x}));
  // Only relu and relu6, and only on batchnorm and batchnorm_train.
  EXPECT_TRUE(accepts(OpKind::BatchNorm, Epilogue::Relu, {x, s, s, s, s}));
  EXPECT_FALSE(accepts(OpKind::BatchNorm, Epilogue::Tanh, {x, s, s, s, s}));
  EXPECT_FALSE(accepts(OpKind::LayerNorm, Epilogue::Relu6, {x, s, s}));
}
