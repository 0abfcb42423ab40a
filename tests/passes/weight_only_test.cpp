// Weight-only nodes: which nodes an inference graph can run once when weights are set (those
// fed only by parameters, constants and unwritten state), and the executor doing so: a folded
// graph gives the unfolded graph's numbers, also after its weights are set a second time.
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/weight_only.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource = "model M(x: [N, 3, H, W]) -> y {\n"
                      "  y = x |> conv2d(4, 3, padding=1, bias=false, name=\"c\")\n"
                      "        |> batchnorm(name=\"bn\") |> relu()\n"
                      "}\n";
}

TEST(WeightOnly, FoldedBatchNormTermsAreWeightOnly) {
  Graph g = unoptimisedGraph(kSource);
  ASSERT_EQ(foldBatchNorm(g), 1);
  auto w = weightOnlyNodes(g);
  ASSERT_EQ(w.size(), g.nodes.size());
  int count = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    OpKind op = g.nodes[i].op;
    bool expected =
        opInfo(op).category != OpCategory::Source && op != OpKind::Conv2d && op != OpKind::Relu;
    EXPECT_EQ(w[i], expected) << opName(op);
    count += w[i];
  }
  // a = gamma / sqrt(var + eps): add, sqrt, div; W * a: three reshapes and a mul;
  // beta - mean * a: mul, sub.
  EXPECT_EQ(count, 9);
}

TEST(WeightOnly, InputsWrittenStateAndTrainingGraphsAreNot) {
  Graph g;
  TensorType vec{DType::F32, {Dim::constant(4)}};
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, vec);
  ValueId p = g.add(OpKind::Param, ParamAttrs{"p"}, {}, vec);
  ValueId s = g.add(OpKind::State, ParamAttrs{"s"}, {}, vec);
  ValueId t = g.add(OpKind::State, ParamAttrs{"t"}, {}, vec);
  ValueId pp = g.add(OpKind::Exp, NoAttrs{}, {p}, vec);     // 4: weight-only
  ValueId ps = g.add(OpKind::Add, NoAttrs{}, {pp, s}, vec); // 5: s is written below
  ValueId pt = g.add(OpKind::Mul, NoAttrs{}, {pp, t}, vec); // 6: t is never written
  ValueId xp = g.add(OpKind::Mul, NoAttrs{}, {x, pt}, vec); // 7: reads the input
  g.add(OpKind::Assign, NoAttrs{}, {s, ps}, vec);           // 8: a side effect
  g.outputs.push_back({"y", xp});
  auto w = weightOnlyNodes(g);
  EXPECT_EQ(w, (std::vector<bool>{false, false, false, false, true, false, true, false, false}));
  g.kind = GraphKind::Training;
  EXPECT_EQ(weightOnlyNodes(g), std::vector<bool>(g.nodes.size(), false));
}

TEST(WeightOnly, ExecutorRecomputesThemWhenWeightsChange) {
  Graph plain = unoptimisedGraph(kSource);
  Graph folded = plain;
  ASSERT_EQ(foldBatchNorm(folded), 1);
  HostTensor x = testInput({1, 3, 6, 5});
  Weights w1 = fusionWeights(plain, 1), w2 = fusionWeights(plain, 2);
  for (const char* backend : {"cpu", "reference"}) {
    auto sg = specializeGraph(folded, {{"x", x.shape}});
    auto be = createBackend(backend);
    ASSERT_TRUE(sg.ok() && be.ok());
    auto ex = Executor::create(std::move(*sg), **be);
    ASSERT_TRUE(ex.ok());
    for (const Weights* w : {&w1, &w2}) {
      ASSERT_TRUE((*ex)->setWeights(*w).isOk());
      ASSERT_TRUE((*ex)->setInput("x", x).isOk());
      ASSERT_TRUE((*ex)->run().isOk());
      ASSERT_TRUE((*ex)->run().isOk()); // a second run reads the same hoisted values
      auto y = (*ex)->output("y");
      ASSERT_TRUE(y.ok());
      expectClose(runGraph(plain, backend, *w, x), {{"y", *y}});
    }
  }
}
