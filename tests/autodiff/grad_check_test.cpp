// Finite-difference checks of every differentiable op's gradient rule, run through the real
// pipeline: a graph of parameters feeding the op, the loss L = Σ r·f(params) with a fixed random
// r, buildTrainingStep() (autodiff, no optimizer), specialisation and the cpu backend. Each
// parameter's gradient output is compared with central differences of L. Inputs are drawn away
// from kinks (0 for relu/abs, the clamp bounds, ties for max) so that the differences are
// smooth. The ops not checked here are exactly the documented list of ops still without a
// gradient rule or a cpu kernel, so a new op cannot slip through.
#include "compiler/autodiff/training_step.h"
#include "compiler/ops/shape_rules.h"
#include "compiler/passes/specialize.h"
#include "runtime/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>

namespace llie {
namespace {

using Dims = std::vector<int64_t>;

TensorType f32(const Dims& d) {
  TensorType t;
  for (int64_t x : d) t.shape.push_back(Dim::constant(x));
  return t;
}

// How a parameter's values are drawn: uniform in [lo, hi], |x| >= minAbs, or (distinct) a
// shuffled evenly spaced grid so that no two values are closer than the FD step. `check` =
// false for a parameter behind stop_grad (the loss moves with it, its gradient is zero).
struct Dist {
  float lo = -1, hi = 1, minAbs = 0;
  bool distinct = false;
  bool check = true;
};

struct GC {
  Graph g;
  std::vector<std::pair<std::string, Dist>> params;
  std::map<std::string, HostTensor> states;

  ValueId param(const Dims& shape, Dist d = {}) {
    std::string name = "p" + std::to_string(params.size());
    params.push_back({name, d});
    return g.add(OpKind::Param, ParamAttrs{name}, {}, f32(shape));
  }
  ValueId state(const std::string& name, const Dims& shape, float value) {
    HostTensor t(shape);
    std::fill(t.f32(), t.f32() + t.numel(), value);
    states[name] = t;
    return g.add(OpKind::State, ParamAttrs{name}, {}, f32(shape));
  }
  ValueId op(OpKind k, Attrs a, std::vector<ValueId> ins) {
    std::vector<TensorType> ts;
    for (ValueId v : ins) ts.push_back(g.type(v));
    auto t = inferTypes(k, a, ts, g.symbols);
    EXPECT_TRUE(t.ok()) << opName(k) << ": " << (t.ok() ? "" : t.status().message());
    if (!t.ok()) return kNoValue;
    NodeId id = g.addNode(k, std::move(a), std::move(ins), *t);
    return g.nodes[id].outputs[0];
  }
  ValueId op(OpKind k, std::vector<ValueId> ins) { return op(k, defaultAttrs(k), std::move(ins)); }
  ValueId scalar(double v) { return g.add(OpKind::Constant, ConstantAttrs{v}, {}, f32({})); }
};

HostTensor draw(const Dims& shape, const Dist& d, std::mt19937& rng) {
  HostTensor t(shape);
  int64_t n = t.numel();
  if (d.distinct) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = d.lo + (d.hi - d.lo) * (i + 0.5f) / n;
    std::shuffle(v.begin(), v.end(), rng);
    std::copy(v.begin(), v.end(), t.f32());
    return t;
  }
  std::uniform_real_distribution<float> u(d.lo, d.hi);
  for (int64_t i = 0; i < n; ++i) {
    float x;
    do x = u(rng);
    while (std::fabs(x) < d.minAbs);
    t.f32()[i] = x;
  }
  return t;
}

struct Tol {
  double eps = 1e-2, atol = 2e-3, rtol = 1e-2;
};

// Builds the loss Σ r·y, differentiates, and compares every parameter's gradient with central
// differences.
void checkGradients(GC& c, ValueId y, Tol tol = {}) {
  ASSERT_NE(y, kNoValue);
  ValueId r = c.g.add(OpKind::Input, InputAttrs{"r"}, {}, c.g.type(y));
  ValueId loss = c.op(OpKind::ReduceSum, ReduceAttrs{}, {c.op(OpKind::Mul, {y, r})});
  c.g.kind = GraphKind::Training;
  c.g.outputs = {{"loss.l", loss}};
  auto step = buildTrainingStep(c.g, {true, false});
  ASSERT_TRUE(step.ok()) << step.status().message();
  auto spec = specializeGraph(*step, {});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(*spec, **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Executor& e = **ex;

  std::mt19937 rng(7);
  std::map<std::string, HostTensor> w = c.states;
  for (auto& [name, dist] : c.params) {
    NodeId id = c.g.findParam(name);
    w[name] = draw(concreteShape(c.g.type(c.g.nodes[id].outputs[0])), dist, rng);
  }
  HostTensor rv = draw(concreteShape(c.g.type(y)), Dist{-1, 1}, rng);
  ASSERT_TRUE(e.setInput("r", rv).ok());
  auto lossAt = [&](const std::map<std::string, HostTensor>& ws) {
    EXPECT_TRUE(e.setWeights(ws).ok());
    EXPECT_TRUE(e.run().ok());
    return static_cast<double>(e.output("loss")->f32()[0]);
  };
  lossAt(w);
  std::map<std::string, HostTensor> grads;
  for (auto& o : spec->outputs)
    if (o.name.rfind("grad.", 0) == 0) grads[o.name.substr(5)] = *e.output(o.name);
  int checked = 0;
  for (auto& [name, dist] : c.params) {
    if (!dist.check) {
      EXPECT_EQ(grads.count(name), 0u) << name << " is behind stop_grad but has a gradient";
      continue;
    }
    HostTensor& p = w[name];
    bool has = grads.count(name) > 0;
    for (int64_t i = 0; i < p.numel(); ++i) {
      float keep = p.f32()[i];
      p.f32()[i] = keep + static_cast<float>(tol.eps);
      double up = lossAt(w);
      p.f32()[i] = keep - static_cast<float>(tol.eps);
      double down = lossAt(w);
      p.f32()[i] = keep;
      double fd = (up - down) / (2 * tol.eps);
      double an = has ? grads[name].f32()[i] : 0.0;
      ASSERT_NEAR(an, fd, tol.atol + tol.rtol * std::fabs(fd))
          << name << "[" << i << "] (value " << keep << ")" << (has ? "" : ", no gradient");
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

struct Case {
  std::string name;
  OpKind op; ///< the op whose rule the case checks
  std::function<ValueId(GC&)> build;
  Tol tol = {};
};

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
  v.push_back({"where", OpKind::Where, [](GC& c) {
                 ValueId cond = c.op(OpKind::Greater, {c.param({2, 3, 4}, {-1, 1, 0.1f}),
                                                       c.scalar(0.0)});
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
  v.push_back({"batchnorm_train", OpKind::BatchNormTrain, [](GC& c) {
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
                   return c.op(k, LossAttrs{beta}, {c.param({2, 3, 4}, {-1, 1, 0, true}),
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

class GradCheck : public ::testing::TestWithParam<Case> {};

TEST_P(GradCheck, MatchesFiniteDifferences) {
  GC c;
  ValueId y = GetParam().build(c);
  checkGradients(c, y, GetParam().tol);
}

INSTANTIATE_TEST_SUITE_P(Ops, GradCheck, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// Differentiable ops that have no gradient rule or no cpu kernel yet. The check below fails
// when an op is added without a case, and when a listed op gains one (then move it over).
const std::set<std::string> kPending = {
    "drop_path",   "batchnorm",     "instancenorm", "layernorm", "l2_normalize",
    "log_softmax", "pixel_shuffle", "pixel_unshuffle", "conv_transpose2d", "matmul",
    "rfft2",       "irfft2",        "complex_abs",  "complex_angle", "polar",
    "cross_entropy", "kl_div"};

TEST(GradCheckCoverage, EveryDifferentiableOpHasACaseOrIsListedAsPending) {
  std::set<std::string> covered;
  for (auto& c : cases()) covered.insert(opName(c.op));
  for (size_t i = 0; i < kNumOps; ++i) {
    OpKind k = static_cast<OpKind>(i);
    if (!opIsDifferentiable(k)) continue;
    bool has = covered.count(opName(k)) > 0, pending = kPending.count(opName(k)) > 0;
    EXPECT_TRUE(has != pending) << opName(k) << (has ? " is checked but listed as pending"
                                                     : " has no gradient check");
  }
}

} // namespace
} // namespace llie
