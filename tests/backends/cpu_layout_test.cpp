// The cpu backend's channels-last layouts (backends/cpu/layout.h) in training graphs: the
// flagship's training step keeps its activations NHWC (a bounded number of activation reorders
// per run, measured) and one step of it on the cpu backend matches the reference backend's loss
// terms and gradients; and for every kernel that reads or writes NHWC, a small graph that puts it
// between convs (so that the analysis really makes its operands NHWC, which each case asserts)
// gives the reference backend's forward value and gradients of L = Σ r·y. Inference graphs also
// use oneDNN's blocked nChw16c layout around the Winograd convs: the flagship's reorders are
// counted, and a graph that passes blocked values through every kind of node that takes them
// gives the reference backend's numbers.
#include "backends/cpu/layout.h"
#include "backends/kernel_util.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/pipelines.h"
#include "compiler/passes/specialize.h"
#include "runtime/executor.h"
#include "runtime/weights.h"
#include "tests/autodiff/grad_check.h"
#include "tests/backends/graph_run.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>

using namespace llie;
using llie::gradcheck::GC;
using llie::testing::randomWeights;
using llie::testing::relNorm;
using llie::testing::runOn;

namespace {

using Dims = std::vector<int64_t>;

size_t countChannelsLast(const Graph& g) {
  auto cl = cpu::channelsLastValues(g);
  return static_cast<size_t>(std::count(cl.begin(), cl.end(), true));
}

size_t countLayout(const Graph& g, cpu::Layout which) {
  auto l = cpu::activationLayouts(g);
  return static_cast<size_t>(std::count(l.begin(), l.end(), which));
}

/// The live convs and conv gradients that run on Winograd.
size_t countWinograd(const Graph& g) {
  return static_cast<size_t>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) {
    return !n.dead && cpu::winogradConv(g, n);
  }));
}

/// The flagship's training step (SAD on), forward and backward, specialised to N x 3 x S x S.
Graph flagshipStep(int64_t n, int64_t s) {
  ElaborateOptions eo;
  eo.entry = "SADFPNTrain";
  eo.overrides["sad_start"] = "0";
  auto r = llie::testing::compileRepoModel("models/sadfpn_unet.llie", eo);
  EXPECT_TRUE(r->model.ok()) << r->errors;
  if (!r->model.ok()) return {};
  auto step = buildTrainingStep(r->model->graph, {/*exposeGradients=*/true,
                                                  /*applyOptimizer=*/false});
  EXPECT_TRUE(step.ok()) << step.status().message();
  if (!step.ok()) return {};
  auto sg = specializeGraph(*step, {{"x", {n, 3, s, s}}, {"gt", {n, 3, s, s}}});
  EXPECT_TRUE(sg.ok()) << sg.status().message();
  return sg.ok() ? *sg : Graph{};
}

// Activation reorders per run of the flagship's training step on the cpu backend (measured: 20 at
// 4x3x32x32, 4x3x128x128 and 4x3x256x256 without Winograd, checked at the two smaller shapes,
// whose arenas are small; 21 before the head conv ran on the few-output kernel, 277 when training
// graphs were all plain). What remains is at the graph's edges: the first conv's input and its
// weight gradient's x (the image), the head conv's gradients' dy (the sigmoid and the losses read
// plain tensors), and the SSIM loss's 3-channel window convs (forward and data gradients), whose
// operands are plain. On top of those, a conv or conv gradient that runs on Winograd (>= 16K
// output pixels; none at 4x3x32x32, 21 at 4x3x128x128) reorders each activation operand that is
// NHWC rather than nChw16c: 27 at 4x3x128x128 (42 before the batchnorm family took nChw16c).
constexpr size_t kFlagshipTrainReorders = 20, kFlagshipTrainWinogradReorders128 = 27;
// Values the analysis keeps NHWC in that graph (measured: 258 of its 4-D activations).
constexpr size_t kFlagshipTrainNhwcValues = 250;

TEST(CpuLayout, FlagshipTrainingStepKeepsActivationsChannelsLast) {
  for (int64_t s : {32, 128}) {
    Graph g = flagshipStep(4, s);
    ASSERT_FALSE(g.nodes.empty());
    auto backend = createBackend("cpu");
    ASSERT_TRUE(backend.ok());
    auto ex = Executor::create(g, **backend); // prepares every kernel; nothing runs
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    const size_t wino = countWinograd(g);
    const size_t reorders = (*backend)->reordersPerRun(), nhwc = countChannelsLast(g);
    std::printf("[cpu-layout] flagship training step 4x3x%ldx%ld: %zu values NHWC, %zu Winograd "
                "convs and gradients, %zu activation reorders per run\n",
                (long)s, (long)s, nhwc, wino, reorders);
    EXPECT_EQ(wino, s == 32 ? 0u : 21u) << s << "x" << s;
    EXPECT_LE(reorders, kFlagshipTrainReorders + (s == 32 ? 0 : kFlagshipTrainWinogradReorders128))
        << s << "x" << s;
    EXPECT_GE(nhwc, kFlagshipTrainNhwcValues) << s << "x" << s;
  }
}

// One step on the cpu backend against the reference backend (float64 accumulation): the loss and
// its terms to 1e-5, every gradient to 1e-1 norm-wise. The gradient bar is loose on purpose: the
// flagship's step-0 gradient is not stable at float32 rounding (tests/parity/README.md), since a
// few ReLU/ReLU6 inputs lie within the forward's rounding error (~1e-5 relative in the decoder)
// of their kink and fall on either side depending on summation order; one such flip moves most
// gradients by ~1e-2. Measured on this case: worst 2.9e-2 (channels-last), 9.2e-3 with every
// activation plain. A layout error in a kernel gives O(1) errors, which this catches; the
// kernels' own accuracy is held to 1e-5 by the small cases below.
TEST(CpuLayout, FlagshipTrainingStepMatchesReference) {
  Graph g = flagshipStep(2, 32);
  ASSERT_FALSE(g.nodes.empty());
  auto weights = initialWeights(g, 0);
  ASSERT_TRUE(weights.ok()) << weights.status().message();
  std::mt19937 rng(11);
  std::map<std::string, HostTensor> inputs{{"x", bt::randomTensor({2, 3, 32, 32}, rng, 0, 0.4f)},
                                           {"gt", bt::randomTensor({2, 3, 32, 32}, rng, 0, 1)},
                                           {"step", HostTensor(std::vector<int64_t>{})},
                                           {"lr", HostTensor(std::vector<int64_t>{})}};
  inputs["lr"].f32()[0] = 1e-3f;
  size_t reorders = 0;
  auto cpu = runOn("cpu", g, *weights, inputs, &reorders);
  auto ref = runOn("reference", g, *weights, inputs);
  ASSERT_EQ(cpu.size(), ref.size());
  EXPECT_LE(reorders, kFlagshipTrainReorders);
  int grads = 0;
  double worst = 0;
  std::string worstName;
  for (auto& [name, want] : ref) {
    const HostTensor& got = cpu.at(name);
    const double e = relNorm(got, want);
    if (name == "loss" || name.rfind("loss.", 0) == 0) {
      std::printf("[cpu-layout] flagship step %-10s cpu %.9g reference %.9g rel %.2g\n",
                  name.c_str(), got.f32()[0], want.f32()[0], e);
      EXPECT_LE(e, 1e-5) << name;
    } else if (name.rfind("grad.", 0) == 0) {
      ++grads;
      if (e > worst) worst = e, worstName = name;
      EXPECT_LE(e, 1e-1) << name;
    }
  }
  std::printf("[cpu-layout] flagship step: %d gradients, worst norm-wise rel %.3g (%s)\n", grads,
              worst, worstName.c_str());
  EXPECT_EQ(grads, 122);
}

// Small graphs: every kernel that reads or writes NHWC, between convs.

Conv2dAttrs conv(int64_t pad = 0, int64_t stride = 1, int64_t groups = 1) {
  Conv2dAttrs a;
  a.pad = {pad, pad, pad, pad};
  a.stride = {stride, stride};
  a.groups = groups;
  return a;
}

struct LayoutCase {
  std::string name;
  std::function<ValueId(GC&)> build; ///< the graph; returns y (the loss is Σ r·y)
  std::vector<OpKind> nhwcOps;       ///< kinds of the step graph that must run NHWC
  size_t blocked = 0;                ///< values of the step graph stored nChw16c
};

void PrintTo(const LayoutCase& c, std::ostream* os) {
  *os << c.name;
}

ValueId bnTrain(GC& c, ValueId x, int64_t ch) {
  ValueId rm = c.state("rm" + std::to_string(x), {ch}, 0.f);
  ValueId rv = c.state("rv" + std::to_string(x), {ch}, 1.f);
  return c.op(OpKind::BatchNorm, NormAttrs{},
              {x, c.param({ch}, {0.5f, 1.5f}), c.param({ch}, {-0.5f, 0.5f}), rm, rv});
}

std::vector<LayoutCase> layoutCases() {
  std::vector<LayoutCase> v;
  v.push_back(
      {"conv_bn_relu6_conv",
       [](GC& c) {
         ValueId h = c.op(OpKind::Conv2d, conv(1), {c.param({2, 4, 6, 7}), c.param({8, 4, 3, 3})});
         h = c.op(OpKind::Relu6, {bnTrain(c, h, 8)});
         return c.op(OpKind::Conv2d, conv(), {h, c.param({6, 8, 1, 1})});
       },
       {OpKind::Conv2d, OpKind::BatchNormTrain, OpKind::BatchNormGrad, OpKind::Conv2dGradInput,
        OpKind::Conv2dGradWeight}});
  // Big enough for Winograd in a training step (3x3, >= 32 channels, >= 16K output pixels), batch
  // 2 (the nChw16c panels of the second image). No activation: a ReLU input within float32
  // rounding of its kink would flip between the backends and move the gradients far more than
  // the bar.
  v.push_back({"winograd_conv_bn_conv",
               [](GC& c) {
                 ValueId h = c.op(OpKind::Conv2d, conv(1),
                                  {c.param({2, 32, 64, 128}, {-1.f, 1.f}),
                                   c.param({32, 32, 3, 3}, {-0.06f, 0.06f})});
                 h = c.op(OpKind::Conv2d, conv(1),
                          {bnTrain(c, h, 32), c.param({48, 32, 3, 3}, {-0.06f, 0.06f})});
                 return c.op(OpKind::Conv2d, conv(), {h, c.param({8, 48, 1, 1})});
               },
               {OpKind::Conv2d, OpKind::BatchNormTrain, OpKind::BatchNormGrad,
                OpKind::Conv2dGradInput, OpKind::Conv2dGradWeight},
               6});
  // Two Winograd convs around a bilinear resize (a non-integer ratio): the resize and its
  // gradient run on nChw16c too (blocked: the first conv's output, the resize's, and the
  // gradients of the resize's output, of its input and of the second conv's output).
  v.push_back(
      {"winograd_resize_conv",
       [](GC& c) {
         ValueId h = c.op(
             OpKind::Conv2d, conv(1),
             {c.param({2, 32, 64, 128}, {-1.f, 1.f}), c.param({32, 32, 3, 3}, {-0.06f, 0.06f})});
         ResizeAttrs a{ResizeMode::Bilinear, false, {Dim::constant(72), Dim::constant(136)}};
         h = c.op(OpKind::Conv2d, conv(1),
                  {c.op(OpKind::Resize, a, {h}), c.param({48, 32, 3, 3}, {-0.06f, 0.06f})});
         return c.op(OpKind::Conv2d, conv(), {h, c.param({8, 48, 1, 1})});
       },
       {OpKind::Resize, OpKind::ResizeGrad, OpKind::Conv2dGradInput},
       5});
  // A 3-D batchnorm stays NCHW (oneDNN's kernels, the epilogue applied and masked around them).
  v.push_back({"batchnorm1d_relu6_relu",
               [](GC& c) {
                 ValueId h = c.op(OpKind::Relu6, {bnTrain(c, c.param({3, 6, 10}), 6)});
                 h = c.op(OpKind::Mul, {h, c.param({3, 6, 10})});
                 return c.op(OpKind::Relu, {bnTrain(c, h, 6)});
               },
               {}});
  v.push_back(
      {"depthwise_stride2_relu",
       [](GC& c) {
         ValueId h = c.op(OpKind::Conv2d, conv(), {c.param({2, 8, 9, 8}), c.param({8, 8, 1, 1})});
         h = c.op(OpKind::Conv2d, conv(1, 2, 8), {h, c.param({8, 1, 3, 3})});
         h = c.op(OpKind::Relu, {h});
         return c.op(OpKind::Conv2d, conv(), {h, c.param({4, 8, 1, 1})});
       },
       {OpKind::Relu, OpKind::UnaryGrad, OpKind::Conv2dGradInput, OpKind::Conv2dGradWeight}});
  v.push_back(
      {"residual_add_mul_sigmoid",
       [](GC& c) {
         ValueId h = c.op(OpKind::Conv2d, conv(1), {c.param({2, 3, 5, 6}), c.param({6, 3, 3, 3})});
         ValueId a = c.op(OpKind::Conv2d, conv(), {h, c.param({6, 6, 1, 1})});
         ValueId b = c.op(OpKind::Conv2d, conv(1), {h, c.param({6, 6, 3, 3})});
         ValueId m = c.op(OpKind::Mul, {c.op(OpKind::Sigmoid, {a}), b});
         ValueId r = c.op(OpKind::Sub, {c.op(OpKind::Add, {m, h}), a});
         return c.op(OpKind::Conv2d, conv(), {r, c.param({5, 6, 1, 1})});
       },
       {OpKind::Sigmoid, OpKind::Mul, OpKind::Add, OpKind::Sub, OpKind::UnaryGrad}});
  for (auto mode : {ResizeMode::Bilinear, ResizeMode::Nearest})
    v.push_back(
        {std::string("resize_") + (mode == ResizeMode::Nearest ? "nearest" : "bilinear"),
         [=](GC& c) {
           ValueId h = c.op(OpKind::Conv2d, conv(), {c.param({2, 3, 5, 6}), c.param({5, 3, 1, 1})});
           ResizeAttrs a{mode, false, {Dim::constant(10), Dim::constant(12)}};
           h = c.op(OpKind::Resize, a, {h});
           return c.op(OpKind::Conv2d, conv(1), {h, c.param({4, 5, 3, 3})});
         },
         {OpKind::Resize, OpKind::ResizeGrad}});
  v.push_back({"concat_slice",
               [](GC& c) {
                 ValueId x = c.param({2, 3, 6, 5});
                 ValueId a = c.op(OpKind::Conv2d, conv(), {x, c.param({3, 3, 1, 1})});
                 ValueId b = c.op(OpKind::Conv2d, conv(1), {x, c.param({5, 3, 3, 3})});
                 ValueId h = c.op(OpKind::Concat, AxisAttrs{1}, {a, b});
                 h = c.op(OpKind::Conv2d, conv(1), {h, c.param({7, 8, 3, 3})});
                 h = c.op(OpKind::Slice, SliceAttrs{1, Dim::constant(1), Dim::constant(7), 2}, {h});
                 return c.op(OpKind::Conv2d, conv(), {h, c.param({4, 3, 1, 1})});
               },
               {OpKind::Concat, OpKind::Slice}});
  v.push_back({"bias_gradient",
               [](GC& c) {
                 ValueId h = c.op(OpKind::Conv2d, conv(1),
                                  {c.param({3, 4, 5, 6}), c.param({6, 4, 3, 3}), c.param({6})});
                 return c.op(OpKind::Conv2d, conv(), {h, c.param({5, 6, 1, 1}), c.param({5})});
               },
               {OpKind::ReduceSum}});
  v.push_back(
      {"channel_energy",
       [](GC& c) {
         ValueId h = c.op(OpKind::Conv2d, conv(1), {c.param({2, 3, 6, 5}), c.param({6, 3, 3, 3})});
         ValueId e = c.op(OpKind::ReduceSum, ReduceAttrs{{1}, true}, {c.op(OpKind::Square, {h})});
         ValueId m = c.op(OpKind::ReduceMean, ReduceAttrs{{1}, true}, {h});
         ValueId y = c.op(OpKind::Conv2d, conv(1), {h, c.param({1, 6, 3, 3})});
         return c.op(OpKind::Add, {c.op(OpKind::Add, {y, e}), m});
       },
       {OpKind::Square, OpKind::ReduceSum, OpKind::ReduceMean, OpKind::ReduceGrad}});
  return v;
}

class CpuLayoutCase : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(CpuLayoutCase, TrainingStepMatchesReference) {
  const LayoutCase& lc = GetParam();
  GC c;
  ValueId y = lc.build(c);
  ASSERT_NE(y, kNoValue);
  auto step = gradcheck::weightedSumStep(c, y, /*outputY=*/true);
  ASSERT_TRUE(step.ok()) << step.status().message();
  auto sg = specializeGraph(*step, {});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  ValueId yOut = kNoValue;
  for (const auto& o : sg->outputs)
    if (o.name == "y") yOut = o.value;
  ASSERT_NE(yOut, kNoValue);

  // The kernels under test really see NHWC operands.
  const std::vector<bool> cl = cpu::channelsLastValues(*sg);
  for (OpKind k : lc.nhwcOps) {
    bool seen = false;
    for (const Node& n : sg->nodes) {
      if (n.dead || n.op != k) continue;
      for (const auto* vs : {&n.inputs, &n.outputs})
        for (ValueId v : *vs)
          seen |= cl[v];
    }
    EXPECT_TRUE(seen) << opName(k) << " has no channels-last operand";
  }

  // The case named for it runs its 3x3 convs and their gradients on Winograd; the others none.
  EXPECT_EQ(countWinograd(*sg), lc.name.starts_with("winograd") ? 6u : 0u);
  // ... and keeps the values between them in nChw16c: the conv outputs, the batchnorm's y, dy
  // and dx, and the data gradients' results (batchnorm_train.cpp's loops over nChw16c panels).
  EXPECT_EQ(countLayout(*sg, cpu::Layout::Blocked16), lc.blocked);

  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(lc.name)));
  const auto weights = randomWeights(*sg, c.params, rng, c.states);
  std::map<std::string, HostTensor> inputs{
      {"r", bt::randomTensor(kernels::concrete(sg->type(yOut).shape), rng, -1, 1)}};
  auto cpu = runOn("cpu", *sg, weights, inputs);
  auto ref = runOn("reference", *sg, weights, inputs);
  ASSERT_EQ(cpu.size(), ref.size());
  double worst = 0;
  for (auto& [name, want] : ref) {
    const double e = relNorm(cpu.at(name), want);
    worst = std::max(worst, e);
    EXPECT_LE(e, 1e-5) << lc.name << ": " << name;
  }
  std::printf("[cpu-layout] %s: %zu outputs, worst norm-wise rel %.2e\n", lc.name.c_str(),
              ref.size(), worst);
}

INSTANTIATE_TEST_SUITE_P(Kernels, CpuLayoutCase, ::testing::ValuesIn(layoutCases()),
                         [](const auto& info) { return info.param.name; });

// Inference graphs: oneDNN's nChw16c around the Winograd convs.

/// The flagship as llie-run runs it: the inference pipeline, specialised to 1 x 3 x S x S.
Graph flagshipInference(int64_t s) {
  auto r = llie::testing::compileRepoModel("models/sadfpn_unet.llie", ElaborateOptions{});
  EXPECT_TRUE(r->model.ok()) << r->errors;
  if (!r->model.ok()) return {};
  Graph g = r->model->graph;
  Status st = runPipeline(g, inferencePipeline(), PassOptions{});
  EXPECT_TRUE(st.isOk()) << st.message();
  auto sg = specializeGraph(g, {{"x", {1, 3, s, s}}});
  EXPECT_TRUE(sg.ok()) << sg.status().message();
  return sg.ok() ? *sg : Graph{};
}

// Activation reorders per run of the flagship's inference graph: none, at 64x64 and 256x256.
// Every value between the convs is nChw16c: the Winograd convs, the 1x1 convs (with or without
// a fused depthwise stage), the residual adds, resizes and concats all take it, the image goes
// into the first conv plain and the head's few-output kernel reads nChw16c. (14 at 256x256 while
// the 1x1 convs wanted NHWC, 16 before the head conv ran on the few-output kernel, 24 when the
// Winograd convs reordered NHWC into nChw16c and back, 83 before fusion and layouts.)
constexpr size_t kFlagshipInferenceReorders = 0;

TEST(CpuBlockedLayout, FlagshipInferenceIsBlockedThroughout) {
  for (int64_t s : {64, 256}) {
    Graph g = flagshipInference(s);
    ASSERT_FALSE(g.nodes.empty());
    auto backend = createBackend("cpu");
    ASSERT_TRUE(backend.ok());
    auto ex = Executor::create(g, **backend); // prepares every kernel; nothing runs
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    const size_t wino = countWinograd(g);
    const size_t blocked = countLayout(g, cpu::Layout::Blocked16);
    std::printf("[cpu-layout] flagship inference 1x3x%ldx%ld: %zu Winograd convs, %zu values "
                "nChw16c, %zu NHWC, %zu activation reorders per run\n",
                (long)s, (long)s, wino, blocked, countLayout(g, cpu::Layout::Nhwc),
                (*backend)->reordersPerRun());
    EXPECT_EQ(wino, 13u) << "the 3x3 stride-1 convs but the stem's first and the head (3 channels)";
    EXPECT_GE(blocked, 40u);
    EXPECT_EQ(countLayout(g, cpu::Layout::Nhwc), 0u);
    EXPECT_LE((*backend)->reordersPerRun(), kFlagshipInferenceReorders) << s << "x" << s;
  }
}

// Blocked values through a Winograd conv's input and output, a direct 1x1 conv that takes them
// as they are, a fused residual, elementwise ops, bilinear and nearest resizes and a channel
// concat; odd sizes (Winograd's 4x4 output tiles overhang the edges).
TEST(CpuBlockedLayout, EveryKindOfNodeMatchesReference) {
  GC c;
  auto relu = [](Conv2dAttrs a) {
    a.epilogue = Epilogue::Relu;
    return a;
  };
  const gradcheck::Dist w{-0.06f, 0.06f}; // ~1/sqrt(fan-in), as trained
  ValueId x = c.param({1, 32, 9, 14}, {-1.f, 1.f});
  ValueId a = c.op(OpKind::Conv2d, relu(conv(1)), {x, c.param({32, 32, 3, 3}, w), c.param({32})});
  ValueId b = c.op(OpKind::Conv2d, conv(1), {a, c.param({32, 32, 3, 3}, w)});
  ValueId sum = c.op(OpKind::Sub, {a, b});
  ResizeAttrs up{ResizeMode::Bilinear, false, {Dim::constant(18), Dim::constant(28)}};
  ResizeAttrs upNearest{ResizeMode::Nearest, false, {Dim::constant(18), Dim::constant(28)}};
  ValueId ub = c.op(OpKind::Resize, up, {sum}), un = c.op(OpKind::Resize, upNearest, {a});
  ValueId u = c.op(OpKind::Add, {ub, un});
  ValueId d = c.op(OpKind::Conv2d, relu(conv(1)), {u, c.param({32, 32, 3, 3}, w), c.param({32})});
  Conv2dAttrs withResidual = conv();
  withResidual.residual = true;
  ValueId e = c.op(OpKind::Conv2d, withResidual, {u, c.param({32, 32, 1, 1}, w), c.param({32}), d});
  ValueId f = c.op(OpKind::Concat, AxisAttrs{1}, {d, e});
  ValueId y = c.op(OpKind::Conv2d, relu(conv(1)), {f, c.param({48, 64, 3, 3}, w), c.param({48})});
  ASSERT_NE(y, kNoValue);
  c.g.outputs.push_back({"y", y});
  ASSERT_TRUE(verifyGraph(c.g).isOk()) << verifyGraph(c.g).message();

  const std::vector<cpu::Layout> layout = cpu::activationLayouts(c.g);
  for (ValueId v : {a, b, sum, ub, un, u, d, e, f})
    EXPECT_EQ(layout[v], cpu::Layout::Blocked16) << "value " << v;
  EXPECT_EQ(layout[y], cpu::Layout::Plain); // a graph output

  std::mt19937 rng(5);
  const auto weights = randomWeights(c.g, c.params, rng);
  size_t reorders = 0;
  auto cpuOut = runOn("cpu", c.g, weights, {}, &reorders);
  auto refOut = runOn("reference", c.g, weights, {});
  ASSERT_TRUE(cpuOut.count("y") && refOut.count("y"));
  const double err = relNorm(cpuOut.at("y"), refOut.at("y"));
  std::printf("[cpu-layout] blocked graph: %zu activation reorders, norm-wise rel %.2e\n", reorders,
              err);
  EXPECT_LE(reorders, 2u); // x in, y out
  EXPECT_LE(err, 1e-5);
}

} // namespace
