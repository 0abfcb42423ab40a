// Finite-difference checks of the gradient rules of the elementwise, conv, batchnorm, reduction,
// pooling, resampling, data-movement and pointwise-loss ops (harness: grad_check.h). Inputs are
// drawn away from kinks (0 for relu/abs, the clamp bounds, ties for max) so that the differences
// are smooth. The coverage test at the end fails for any differentiable op that has no case in
// any grad_check_*_test.cpp file.
#include "tests/autodiff/grad_check.h"

#include <set>

namespace llie::gradcheck {
namespace {

Conv2dAttrs conv(std::vector<int64_t> stride, std::vector<int64_t> pad, int64_t groups = 1,
                 std::vector<int64_t> dil = {1, 1}) {
  Conv2dAttrs a;
  a.stride = stride;
  a.pad = pad;
  a.groups = groups;
  a.dilation = dil;
  return a;
}

ValueId unary(GC& c, OpKind k, Dist d, Attrs a) {
  return c.op(k, std::move(a), {c.param({2, 3, 4}, d)});
}
std::vector<Case> cases() {
  std::vector<Case> v;
  auto un = [&](OpKind k, Dist d, Attrs a = {}) {
    Attrs at = a.index() == 0 ? defaultAttrs(k) : a;
    v.push_back({opName(k), k, [=](GC& c) { return unary(c, k, d, at); }});
  };
  un(OpKind::Neg, {});
  un(OpKind::Relu, {-1, 1, 0.05f});
  un(OpKind::Relu6, {-2, 5.5f, 0.05f});
  un(OpKind::LeakyRelu, {-1, 1, 0.05f}, LeakyReluAttrs{0.2});
  un(OpKind::Sigmoid, {-3, 3});
  un(OpKind::Tanh, {-2, 2});
  un(OpKind::Silu, {-3, 3});
  un(OpKind::Gelu, {-3, 3});
  un(OpKind::Exp, {-1, 1});
  un(OpKind::Log, {0.5f, 2});
  un(OpKind::Sqrt, {0.5f, 2});
  un(OpKind::Abs, {-1, 1, 0.05f});
  un(OpKind::Square, {-1, 1});
  un(OpKind::PowScalar, {0.5f, 2}, PowScalarAttrs{2.5});
  un(OpKind::Clamp, {-1, 1, 0, true}, ClampAttrs{-0.5, 0.5});
  un(OpKind::Sin, {-3, 3});
  un(OpKind::Cos, {-3, 3});
  un(OpKind::Acos, {-0.8f, 0.8f});
  // Relu6's upper kink: keep values away from 6 too.
  v.push_back({"relu6_top", OpKind::Relu6, [](GC& c) {
                 return c.op(OpKind::Relu6, {c.param({3, 4}, Dist{5.5f, 6.5f, 0, true})});
               }});
  auto bin = [&](OpKind k, Dims a, Dims b, Dist da, Dist db) {
    v.push_back({std::string(opName(k)) + "_broadcast", k, [=](GC& c) {
                   return c.op(k, {c.param(a, da), c.param(b, db)});
                 }});
  };
  bin(OpKind::Add, {2, 3, 4, 4}, {3, 1, 1}, {}, {});
  bin(OpKind::Sub, {3, 1}, {2, 3, 4}, {}, {});
  bin(OpKind::Mul, {2, 3, 4, 4}, {1, 3, 1, 4}, {}, {});
  bin(OpKind::Div, {2, 3, 4}, {3, 1}, {}, {0.5f, 2});
  bin(OpKind::Pow, {2, 3, 4}, {4}, {0.5f, 2}, {-1, 2});
  bin(OpKind::Maximum, {2, 3, 4}, {2, 3, 4}, {-1, 1, 0, true}, {-0.97f, 1.03f, 0, true});
  bin(OpKind::Minimum, {2, 3, 4}, {3, 4}, {-1, 1, 0, true}, {-0.97f, 1.03f, 0, true});
  bin(OpKind::Atan2, {2, 3, 4}, {2, 3, 4}, {-1, 1, 0.2f}, {-1, 1, 0.2f});
  bin(OpKind::Prelu, {2, 3, 4, 4}, {3, 1, 1}, {-1, 1, 0.05f}, {0, 0.5f});
  v.push_back(
      {"where", OpKind::Where, [](GC& c) {
         ValueId cond = c.op(OpKind::Greater, {c.param({2, 3, 4}, {-1, 1, 0.1f}), c.scalar(0.0)});
         return c.op(OpKind::Where, {cond, c.param({2, 3, 4}), c.param({3, 1})});
       }});
  v.push_back({"conv2d", OpKind::Conv2d, [](GC& c) {
                 return c.op(OpKind::Conv2d, conv({1, 1}, {1, 1, 1, 1}),
                             {c.param({2, 3, 5, 6}), c.param({4, 3, 3, 3}), c.param({4})});
               }});
  v.push_back({"conv2d_stride2_asym_pad_dilation", OpKind::Conv2d, [](GC& c) {
                 return c.op(OpKind::Conv2d, conv({2, 2}, {0, 1, 2, 1}, 1, {2, 1}),
                             {c.param({2, 2, 7, 6}), c.param({3, 2, 3, 3})});
               }});
  v.push_back({"conv2d_depthwise", OpKind::Conv2d, [](GC& c) {
                 return c.op(OpKind::Conv2d, conv({2, 2}, {1, 1, 1, 1}, 4),
                             {c.param({2, 4, 6, 6}), c.param({4, 1, 3, 3})});
               }});
  v.push_back({"batchnorm_train", OpKind::BatchNormTrain,
               [](GC& c) {
                 ValueId x = c.param({3, 2, 3, 4}, {-2, 2});
                 ValueId rm = c.state("rm", {2}, 0.f), rv = c.state("rv", {2}, 1.f);
                 return c.op(OpKind::BatchNorm, NormAttrs{},
                             {x, c.param({2}, {0.5f, 1.5f}), c.param({2}), rm, rv});
               },
               Tol{1e-2, 3e-3, 2e-2}});
  auto red = [&](OpKind k, std::vector<int64_t> axes, bool keep, Dist d = {}) {
    v.push_back({std::string(opName(k)) + (keep ? "_keepdim" : ""), k, [=](GC& c) {
                   return c.op(k, ReduceAttrs{axes, keep}, {c.param({2, 3, 4, 5}, d)});
                 }});
  };
  red(OpKind::ReduceSum, {1, 3}, false);
  red(OpKind::ReduceMean, {2, 3}, true);
  red(OpKind::ReduceMean, {}, false);
  red(OpKind::ReduceMax, {1}, false, {-1, 1, 0, true});
  red(OpKind::ReduceMin, {-1}, true, {-1, 1, 0, true});
  red(OpKind::Softmax, {2, 3}, false, {-2, 2});
  Pool2dAttrs mp{{2, 2}, {2, 2}, {0, 0, 0, 0}, false, true};
  Pool2dAttrs ap{{3, 3}, {2, 2}, {1, 1, 1, 1}, true, false};
  v.push_back({"max_pool2d", OpKind::MaxPool2d, [=](GC& c) {
                 return c.op(OpKind::MaxPool2d, mp, {c.param({2, 2, 6, 6}, {-1, 1, 0, true})});
               }});
  v.push_back({"avg_pool2d", OpKind::AvgPool2d, [=](GC& c) {
                 return c.op(OpKind::AvgPool2d, ap, {c.param({2, 2, 7, 6})});
               }});
  for (auto mode : {ResizeMode::Nearest, ResizeMode::Bilinear})
    v.push_back({std::string("resize_") + (mode == ResizeMode::Nearest ? "nearest" : "bilinear"),
                 OpKind::Resize, [=](GC& c) {
                   ResizeAttrs a{mode, false, {Dim::constant(7), Dim::constant(10)}};
                   return c.op(OpKind::Resize, a, {c.param({1, 2, 3, 4})});
                 }});
  v.push_back({"concat", OpKind::Concat, [](GC& c) {
                 return c.op(OpKind::Concat, AxisAttrs{1},
                             {c.param({2, 1, 3}), c.param({2, 3, 3}), c.param({2, 2, 3})});
               }});
  v.push_back({"slice", OpKind::Slice, [](GC& c) {
                 SliceAttrs a{2, Dim::constant(1), Dim::constant(6), 2};
                 return c.op(OpKind::Slice, a, {c.param({2, 3, 7})});
               }});
  v.push_back({"reshape", OpKind::Reshape, [](GC& c) {
                 ReshapeAttrs a{{Dim::constant(6), Dim::constant(4)}};
                 return c.op(OpKind::Reshape, a, {c.param({2, 3, 4})});
               }});
  v.push_back({"permute", OpKind::Permute, [](GC& c) {
                 return c.op(OpKind::Permute, PermuteAttrs{{2, 0, 1}}, {c.param({2, 3, 4})});
               }});
  for (auto mode : {PadMode::Zero, PadMode::Reflect, PadMode::Replicate})
    v.push_back({std::string("pad_") + EnumNames<PadMode>::names[static_cast<int>(mode)],
                 OpKind::Pad, [=](GC& c) {
                   PadAttrs a{mode, {1, 2, 2, 0}, 0.0};
                   return c.op(OpKind::Pad, a, {c.param({1, 2, 4, 5})});
                 }});
  v.push_back({"expand", OpKind::Expand, [](GC& c) {
                 ExpandAttrs a{{Dim::constant(2), Dim::constant(3), Dim::constant(4)}};
                 return c.op(OpKind::Expand, a, {c.param({3, 1})});
               }});
  auto loss = [&](OpKind k, double beta) {
    v.push_back({opName(k), k, [=](GC& c) {
                   return c.op(k, LossAttrs{beta},
                               {c.param({2, 3, 4}, {-1, 1, 0, true}),
                                c.param({2, 3, 4}, {-0.9f, 1.1f, 0, true})});
                 }});
  };
  loss(OpKind::L1Loss, 1.0);
  loss(OpKind::MseLoss, 1.0);
  loss(OpKind::SmoothL1Loss, 0.5);
  loss(OpKind::HuberLoss, 0.5);
  v.push_back({"bce_with_logits", OpKind::BceWithLogits, [](GC& c) {
                 ValueId t = c.op(OpKind::Sigmoid, {c.param({2, 3, 4}, {-1, 1, 0, false, false})});
                 ValueId st = c.op(OpKind::StopGrad, {t});
                 return c.op(OpKind::BceWithLogits, {c.param({2, 3, 4}, {-3, 3}), st});
               }});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Ops, GradCheck, ::testing::ValuesIn(registerGradCases(cases())), caseName);

TEST(GradCheckCoverage, EveryDifferentiableOpHasACase) {
  std::set<std::string> covered;
  for (auto& c : registeredGradCases())
    covered.insert(opName(c.op));
  // The training-mode pass turns every batchnorm into batchnorm_train before autodiff runs, so
  // batchnorm's gradient is batchnorm_train's.
  if (covered.count("batchnorm_train")) covered.insert("batchnorm");
  for (size_t i = 0; i < kNumOps; ++i) {
    OpKind k = static_cast<OpKind>(i);
    if (!opIsDifferentiable(k)) continue;
    EXPECT_TRUE(covered.count(opName(k))) << opName(k) << " has no gradient check";
  }
}

} // namespace
} // namespace llie::gradcheck
