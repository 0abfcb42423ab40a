// Finite-difference checks of cross_entropy's and kl_div's gradient (class_loss_grad) with
// respect to the logits: class indices (argmax of a stop_grad'd tensor, the hard-distillation
// form), probability targets (normalised or not), label smoothing, the dense [N, K, H, W] form
// with the class axis 1, a class axis other than 1, and kl_div with temperature 2 against a
// stop_grad'd teacher. Harness: grad_check.h.
#include "tests/autodiff/grad_check.h"

namespace llie::gradcheck {
namespace {

/// Class indices: argmax over `axis` of a stop_grad'd tensor of distinct values.
ValueId indices(GC& c, const Dims& shape, int64_t axis) {
  ValueId t = c.op(OpKind::StopGrad, {c.param(shape, {-2, 2, 0, true, false})});
  return c.op(OpKind::ArgMax, AxisAttrs{axis}, {t});
}

/// A probability distribution over `axis`: softmax of a stop_grad'd tensor.
ValueId distribution(GC& c, const Dims& shape, int64_t axis) {
  ValueId t = c.op(OpKind::StopGrad, {c.param(shape, {-2, 2, 0, false, false})});
  return c.op(OpKind::Softmax, ReduceAttrs{{axis}, false}, {t});
}

ValueId ce(GC& c, const Dims& shape, ValueId target, ClassLossAttrs a) {
  return c.op(OpKind::CrossEntropy, a, {c.param(shape, {-2, 2}), target});
}

std::vector<Case> classlossCases() {
  std::vector<Case> v;
  auto add = [&](std::string name, OpKind k, std::function<ValueId(GC&)> f) {
    v.push_back({std::move(name), k, std::move(f)});
  };
  add("cross_entropy_indices", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {4, 5}, indices(c, {4, 5}, 1), {});
  });
  add("cross_entropy_probabilities", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {3, 5}, distribution(c, {3, 5}, 1), {});
  });
  add("cross_entropy_unnormalised_target", OpKind::CrossEntropy, [](GC& c) {
    ValueId t = c.op(OpKind::StopGrad, {c.param({3, 4}, {0, 1, 0, false, false})});
    return ce(c, {3, 4}, t, {});
  });
  add("cross_entropy_smoothing_indices", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {4, 5}, indices(c, {4, 5}, 1), {1, 0.1, 1.0});
  });
  add("cross_entropy_smoothing_probabilities", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {3, 4}, distribution(c, {3, 4}, 1), {1, 0.2, 1.0});
  });
  add("cross_entropy_dense_nkhw", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {2, 3, 2, 3}, indices(c, {2, 3, 2, 3}, 1), {});
  });
  add("cross_entropy_last_axis", OpKind::CrossEntropy, [](GC& c) {
    return ce(c, {2, 3, 4}, distribution(c, {2, 3, 4}, -1), {-1, 0.0, 1.0});
  });
  add("kl_div_tau2", OpKind::KlDiv, [](GC& c) {
    ValueId t = c.op(OpKind::StopGrad, {c.param({3, 5}, {-3, 3, 0, false, false})});
    return c.op(OpKind::KlDiv, ClassLossAttrs{1, 0.0, 2.0}, {c.param({3, 5}, {-3, 3}), t});
  });
  add("kl_div_dense_tau1", OpKind::KlDiv, [](GC& c) {
    ValueId t = c.op(OpKind::StopGrad, {c.param({2, 4, 2, 2}, {-2, 2, 0, false, false})});
    return c.op(OpKind::KlDiv, ClassLossAttrs{}, {c.param({2, 4, 2, 2}, {-2, 2}), t});
  });
  return v;
}

INSTANTIATE_TEST_SUITE_P(Classloss, GradCheck,
                         ::testing::ValuesIn(registerGradCases(classlossCases())), caseName);

// A teacher (or probability target) that needs a gradient is refused with the op's location.
TEST(ClasslossGradRule, FloatTargetsThatNeedAGradientAreRefused) {
  for (OpKind k : {OpKind::KlDiv, OpKind::CrossEntropy}) {
    GC c;
    ValueId y = c.op(k, ClassLossAttrs{}, {c.param({2, 3}), c.param({2, 3})});
    c.g.kind = GraphKind::Training;
    c.g.outputs = {{"loss.l", y}};
    auto step = buildTrainingStep(c.g, {true, false});
    ASSERT_FALSE(step.ok()) << opName(k);
    EXPECT_NE(step.status().message().find(k == OpKind::KlDiv ? "teacher" : "target"),
              std::string::npos)
        << step.status().message();
  }
}

} // namespace
} // namespace llie::gradcheck
