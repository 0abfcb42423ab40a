// Finite-difference checks of the gradient rules of instancenorm (all channels and HIN's first
// half only), layernorm (over the last axis, eps 1e-6 as in DeiT), l2_normalize (along an inner
// and the last axis) and drop_path's training form at a fixed step (the harness feeds step = 3):
// once through the training-mode pass from drop_path, once as drop_path_train itself with a
// constant step. Harness: grad_check.h.
#include "compiler/autodiff/training_mode.h"
#include "compiler/ir/verifier.h"
#include "tests/autodiff/grad_check.h"

namespace llie::gradcheck {
namespace {

// The norms' gradients are smooth but x̂ amplifies the FD error by 1/σ: spread-out inputs and a
// smaller step keep it below the tolerance.
const Tol kNormTol{2e-3, 2e-3, 1e-2};

std::vector<Case> normsCases() {
  std::vector<Case> v;
  v.push_back({"instancenorm", OpKind::InstanceNorm,
               [](GC& c) {
                 return c.op(OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1},
                             {c.param({2, 3, 3, 4}, {-2, 2}), c.param({3}, {0.5f, 1.5f}),
                              c.param({3}, {})});
               },
               kNormTol});
  v.push_back({"instancenorm_first_half", OpKind::InstanceNorm,
               [](GC& c) {
                 return c.op(OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1, .channels = 2},
                             {c.param({2, 4, 3, 3}, {-2, 2}), c.param({2}, {0.5f, 1.5f}),
                              c.param({2}, {})});
               },
               kNormTol});
  v.push_back({"layernorm", OpKind::LayerNorm,
               [](GC& c) {
                 return c.op(
                     OpKind::LayerNorm, NormAttrs{.eps = 1e-6, .axis = 2},
                     {c.param({2, 3, 6}, {-2, 2}), c.param({6}, {0.5f, 1.5f}), c.param({6}, {})});
               },
               kNormTol});
  v.push_back({"l2_normalize", OpKind::L2Normalize,
               [](GC& c) {
                 return c.op(OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = 1},
                             {c.param({2, 4, 3}, {-1, 1})});
               },
               kNormTol});
  v.push_back({"l2_normalize_last", OpKind::L2Normalize,
               [](GC& c) {
                 return c.op(OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = -1},
                             {c.param({3, 5}, {-1, 1})});
               },
               kNormTol});
  // Below eps the denominator is eps itself: y = x / eps, dx = dy / eps.
  v.push_back({"l2_normalize_below_eps", OpKind::L2Normalize,
               [](GC& c) {
                 return c.op(OpKind::L2Normalize, NormAttrs{.eps = 10.0, .axis = 1},
                             {c.param({2, 3}, {-1, 1})});
               },
               kNormTol});
  v.push_back({"drop_path", OpKind::DropPath, [](GC& c) {
                 return c.op(OpKind::DropPath, DropAttrs{0.5, 0}, {c.param({8, 3, 2}, {})});
               }});
  v.push_back({"drop_path_train", OpKind::DropPathTrain, [](GC& c) {
                 return c.op(OpKind::DropPathTrain, DropAttrs{0.3, 5},
                             {c.param({8, 2, 3}, {}), c.scalar(11)});
               }});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Norms, GradCheck, ::testing::ValuesIn(registerGradCases(normsCases())),
                         caseName);

// The training-mode pass: every drop_path becomes drop_path_train reading the scalar input
// "step" (moved first in the graph, so the order stays topological) with its ordinal as seed.
TEST(TrainingMode, DropPathBecomesDropPathTrainOnTheStepInput) {
  GC c;
  ValueId a = c.op(OpKind::DropPath, DropAttrs{0.1, 0}, {c.param({4, 3})});
  ValueId b = c.op(OpKind::DropPath, DropAttrs{0.2, 0}, {c.op(OpKind::Relu, {a})});
  ValueId late = c.g.add(OpKind::Input, InputAttrs{"step"}, {}, f32({}));
  c.g.outputs = {{"y", b}};
  auto n = toTrainingMode(c.g);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(verifyGraph(c.g).isOk());
  const Node& first = c.g.producer(a);
  const Node& second = c.g.producer(b);
  EXPECT_EQ(first.op, OpKind::DropPathTrain);
  EXPECT_EQ(second.op, OpKind::DropPathTrain);
  EXPECT_EQ(std::get<DropAttrs>(first.attrs).seed, 1);
  EXPECT_EQ(std::get<DropAttrs>(second.attrs).seed, 2);
  EXPECT_EQ(std::get<DropAttrs>(second.attrs).p, 0.2);
  ASSERT_EQ(first.inputs.size(), 2u);
  EXPECT_EQ(first.inputs[1], late); // the existing "step" input, not a second one
  EXPECT_EQ(second.inputs[1], late);
  EXPECT_EQ(c.g.value(late).producer, 0);

  // A run's seed moves every drop_path's seed (distinct per node); seed 0 keeps them.
  Graph g0 = c.g, g7 = c.g;
  seedDropPaths(g0, 0);
  seedDropPaths(g7, 7);
  EXPECT_EQ(std::get<DropAttrs>(g0.producer(a).attrs).seed, 1);
  EXPECT_EQ(std::get<DropAttrs>(g7.producer(a).attrs).seed, (int64_t{7} << 32) + 1);
  EXPECT_EQ(std::get<DropAttrs>(g7.producer(b).attrs).seed, (int64_t{7} << 32) + 2);
}

} // namespace
} // namespace llie::gradcheck
