// Train entries: the training settings (optimizer, schedule, warm-up, clipping, batch, crop,
// steps, epochs, evaluation/checkpoint intervals, frozen prefixes) elaborated into the exact
// TrainConfig values, every mistake in them reported at its .llie line:col with its hint; the
// `step` input (bound once, a train-entry-only name, usable in comparisons and where()); the
// plan round trip of TrainConfig and of constants holding data; and the two repository train
// entries (ZeroDCETrain, SADFPNTrain) with their settings and loss terms.
#include "compiler/ir/printer.h"
#include "compiler/ir/serialize.h"
#include "compiler/passes/specialize.h"
#include "runtime/init.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace llie;
using namespace llie::testing;

namespace {

const char* kModel = "model M(x: [N, 3, H, W]) -> y {\n"
                     "  y = conv2d(x, 3, 3, padding=1) |> sigmoid()\n"
                     "}\n"
                     "train T(x: [N, 3, H, W], gt: [N, 3, H, W]) {\n"
                     "  y = M(x); loss l1 = l1_loss(y, gt)\n";

/// Compiles kModel + `settings` + "}" as the train entry T.
std::unique_ptr<CompileResult> compileTrain(const std::string& settings) {
  return compileText(std::string(kModel) + settings + "}\n", {"T", false, {}});
}

TrainConfig configOf(const std::string& settings) {
  auto r = compileTrain(settings);
  EXPECT_TRUE(r->model.ok()) << r->errors;
  return r->model.ok() ? r->model->graph.train : TrainConfig{};
}

std::string firstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

} // namespace

// ---- settings -> TrainConfig ------------------------------------------------------------------

TEST(TrainSettings, NoSettingsGiveTheDefaults) {
  EXPECT_EQ(configOf(""), TrainConfig{});
}

TEST(TrainSettings, Sgd) {
  TrainConfig c = configOf("  optimizer = sgd(lr=0.05, momentum=0.9, dampening=0.0, "
                           "weight_decay=5e-4, nesterov=true)\n");
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::Sgd);
  EXPECT_EQ(c.optimizer.lr, 0.05);
  EXPECT_EQ(c.optimizer.momentum, 0.9);
  EXPECT_EQ(c.optimizer.dampening, 0.0);
  EXPECT_EQ(c.optimizer.weightDecay, 5e-4);
  EXPECT_TRUE(c.optimizer.nesterov);
  // Positional lr, dampening without Nesterov.
  TrainConfig d = configOf("  optimizer = sgd(0.1, momentum=0.5, dampening=0.25)\n");
  EXPECT_EQ(d.optimizer.lr, 0.1);
  EXPECT_EQ(d.optimizer.momentum, 0.5);
  EXPECT_EQ(d.optimizer.dampening, 0.25);
  EXPECT_EQ(d.optimizer.weightDecay, 0.0);
  EXPECT_FALSE(d.optimizer.nesterov);
}

TEST(TrainSettings, Adam) {
  TrainConfig c =
      configOf("  optimizer = adam(lr=2e-4, beta1=0.5, beta2=0.99, eps=1e-6, weight_decay=1e-5)\n");
  OptimizerConfig want;
  want.kind = OptimizerKind::Adam;
  want.lr = 2e-4, want.beta1 = 0.5, want.beta2 = 0.99, want.eps = 1e-6, want.weightDecay = 1e-5;
  EXPECT_EQ(c.optimizer, want);
  // Unset keywords keep PyTorch's defaults; Adam's weight decay defaults to 0.
  TrainConfig d = configOf("  optimizer = adam(lr=3e-4)\n");
  EXPECT_EQ(d.optimizer.lr, 3e-4);
  EXPECT_EQ(d.optimizer.beta1, 0.9);
  EXPECT_EQ(d.optimizer.beta2, 0.999);
  EXPECT_EQ(d.optimizer.eps, 1e-8);
  EXPECT_EQ(d.optimizer.weightDecay, 0.0);
}

TEST(TrainSettings, AdamWDefaultsWeightDecayTo1e2) {
  TrainConfig c = configOf("  optimizer = adamw(lr=1e-3)\n");
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::AdamW);
  EXPECT_EQ(c.optimizer.lr, 1e-3);
  EXPECT_EQ(c.optimizer.weightDecay, 1e-2);
  TrainConfig d = configOf("  optimizer = adamw(5e-4, beta2=0.95, weight_decay=0.05)\n");
  EXPECT_EQ(d.optimizer.lr, 5e-4);
  EXPECT_EQ(d.optimizer.beta2, 0.95);
  EXPECT_EQ(d.optimizer.weightDecay, 0.05);
}

TEST(TrainSettings, EverySchedule) {
  EXPECT_EQ(configOf("  schedule = constant()\n").schedule, ScheduleConfig{});

  ScheduleConfig step;
  step.kind = ScheduleKind::Step, step.stepSize = 30, step.gamma = 0.5;
  EXPECT_EQ(configOf("  schedule = step(step_size=30, gamma=0.5)\n").schedule, step);
  step.gamma = 0.1; // PyTorch's default
  EXPECT_EQ(configOf("  schedule = step(30)\n").schedule, step);

  ScheduleConfig multi;
  multi.kind = ScheduleKind::MultiStep, multi.milestones = {100, 250, 400}, multi.gamma = 0.2;
  EXPECT_EQ(configOf("  schedule = multistep(milestones=[100, 250, 400], gamma=0.2)\n").schedule,
            multi);

  ScheduleConfig cos;
  cos.kind = ScheduleKind::Cosine, cos.tMax = 1000, cos.etaMin = 1e-6;
  EXPECT_EQ(configOf("  schedule = cosine(t_max=1000, eta_min=1e-6)\n").schedule, cos);
  cos.tMax = 0, cos.etaMin = 0; // t_max 0 = the run's length
  EXPECT_EQ(configOf("  schedule = cosine()\n").schedule, cos);

  // A warm-up combines with the schedule, written before or after it.
  ScheduleConfig warm;
  warm.kind = ScheduleKind::Cosine, warm.warmupSteps = 50, warm.warmupStartFactor = 0.1;
  EXPECT_EQ(
      configOf("  warmup = linear(steps=50, start_factor=0.1)\n  schedule = cosine()\n").schedule,
      warm);
  EXPECT_EQ(configOf("  schedule = cosine()\n  warmup = linear(50, 0.1)\n").schedule, warm);
  ScheduleConfig warmOnly;
  warmOnly.warmupSteps = 20; // start factor: PyTorch's LinearLR default 1/3
  EXPECT_EQ(configOf("  warmup = linear(steps=20)\n").schedule, warmOnly);
  EXPECT_DOUBLE_EQ(warmOnly.warmupStartFactor, 1.0 / 3.0);
}

TEST(TrainSettings, PlainValues) {
  TrainConfig c = configOf("  clip_grad_norm = 0.5\n"
                           "  batch = 16\n"
                           "  crop = 128\n"
                           "  steps = 20000\n"
                           "  epochs = 3\n"
                           "  eval_every = 500\n"
                           "  checkpoint_every = 1000\n"
                           "  freeze = [\"conv2d\", \"enc.e1\"]\n");
  EXPECT_EQ(c.clipGradNorm, 0.5);
  EXPECT_EQ(c.batch, 16);
  EXPECT_EQ(c.crop, 128);
  EXPECT_EQ(c.steps, 20000);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_EQ(c.evalEvery, 500);
  EXPECT_EQ(c.checkpointEvery, 1000);
  EXPECT_EQ(c.freeze, (std::vector<std::string>{"conv2d", "enc.e1"}));
  // A single prefix may be a string; compile-time arithmetic works in values.
  TrainConfig d = configOf("  freeze = \"stem\"\n  steps = 4 * 250\n  clip_grad_norm = 1\n");
  EXPECT_EQ(d.freeze, (std::vector<std::string>{"stem"}));
  EXPECT_EQ(d.steps, 1000);
  EXPECT_EQ(d.clipGradNorm, 1.0);
}

TEST(TrainSettings, ValuesComputedElsewhereAndOldScheduleNames) {
  TrainConfig c = configOf("  opt = sgd(0.01, momentum=0.9)\n"
                           "  optimizer = opt\n"
                           "  schedule = step_lr(step_size=7, gamma=0.3)\n");
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::Sgd);
  EXPECT_EQ(c.optimizer.lr, 0.01);
  EXPECT_EQ(c.optimizer.momentum, 0.9);
  EXPECT_EQ(c.schedule.kind, ScheduleKind::Step);
  EXPECT_EQ(c.schedule.stepSize, 7);
  EXPECT_EQ(c.schedule.gamma, 0.3);
}

TEST(TrainSettings, SettingsDependOnEntryParameters) {
  const std::string src = std::string("model M(x: [N, 3, H, W]) -> y {\n  y = relu(x)\n}\n") +
                          "train T(x: [N, 3, H, W], big: bool = false) {\n"
                          "  loss l = mean(M(x))\n"
                          "  if big {\n    batch = 32\n  } else {\n    batch = 2\n  }\n"
                          "}\n";
  auto small = compileText(src, {"T", false, {}});
  ASSERT_TRUE(small->model.ok()) << small->errors;
  EXPECT_EQ(small->model->graph.train.batch, 2);
  auto big = compileText(src, {"T", false, {{"big", "true"}}});
  ASSERT_TRUE(big->model.ok()) << big->errors;
  EXPECT_EQ(big->model->graph.train.batch, 32);
}

// ---- errors -----------------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  const char* settings; ///< lines after kModel's five (the first is line 6)
  const char* firstLine;
  const char* hint; ///< substring of a hint line, or ""
};

class TrainSettingError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TrainSettingError, ReportsMessageLocationAndHint) {
  const ErrorCase& c = GetParam();
  auto r = compileTrain(c.settings);
  ASSERT_FALSE(r->model.ok()) << "expected an error for " << c.name;
  EXPECT_EQ(firstLine(r->errors), c.firstLine) << r->errors;
  if (*c.hint) {
    EXPECT_NE(r->errors.find(std::string("hint: ") + c.hint), std::string::npos) << r->errors;
  }
}

const ErrorCase kErrors[] = {
    {"unknown_setting_config", "  optimiser = adam(lr=1e-3)\n",
     "test.llie:6:3: error: unknown setting 'optimiser'", "did you mean 'optimizer'?"},
    {"unknown_setting_number", "  clip_grad_nrom = 0.1\n",
     "test.llie:6:3: error: unknown setting 'clip_grad_nrom'", "did you mean 'clip_grad_norm'?"},
    {"unknown_setting_int", "  bach = 4\n", "test.llie:6:3: error: unknown setting 'bach'",
     "did you mean 'batch'?"},
    {"unknown_setting_far_config", "  trainer = adam(lr=1e-3)\n",
     "test.llie:6:3: error: unknown setting 'trainer'", "the settings are optimizer, schedule"},
    {"unknown_optimizer", "  optimizer = adamm(lr=1e-3)\n",
     "test.llie:6:15: error: unknown optimizer 'adamm'", "did you mean 'adam'?"},
    {"unknown_schedule", "  schedule = cosin(t_max=10)\n",
     "test.llie:6:14: error: unknown learning-rate schedule 'cosin'", "did you mean 'cosine'?"},
    {"unknown_schedule_far", "  schedule = exponential(gamma=0.9)\n",
     "test.llie:6:14: error: unknown learning-rate schedule 'exponential'",
     "'schedule' takes one of constant(...), step(...), multistep(...), cosine(...)"},
    {"unknown_warmup", "  warmup = lineer(steps=10)\n",
     "test.llie:6:12: error: unknown warm-up 'lineer'", "did you mean 'linear'?"},
    {"unknown_keyword", "  optimizer = adam(lr=1e-3, betas=0.9)\n",
     "test.llie:6:29: error: adam has no setting 'betas'", "did you mean 'beta1'?"},
    {"unknown_keyword_far", "  optimizer = sgd(lr=0.1, foo=1)\n",
     "test.llie:6:27: error: sgd has no setting 'foo'",
     "it takes sgd(lr=, momentum=, dampening=, weight_decay=, nesterov=)"},
    {"keyword_given_twice", "  optimizer = adam(1e-3, lr=1e-4)\n",
     "test.llie:6:26: error: adam: 'lr' is given twice", ""},
    {"too_many_positionals", "  schedule = constant(5)\n",
     "test.llie:6:23: error: constant takes no arguments", ""},
    {"negative_lr", "  optimizer = adam(lr=-1e-3)\n",
     "test.llie:6:20: error: adam: 'lr' must be a number > 0, got -0.001", ""},
    {"lr_not_a_number", "  optimizer = adam(lr=\"fast\")\n",
     "test.llie:6:20: error: adam: 'lr' must be a number > 0, got a string", ""},
    {"beta_one", "  optimizer = adam(beta1=1.0)\n",
     "test.llie:6:20: error: adam: 'beta1' must be a number in [0, 1), got 1", ""},
    {"negative_weight_decay", "  optimizer = adamw(weight_decay=-0.1)\n",
     "test.llie:6:21: error: adamw: 'weight_decay' must be a number >= 0, got -0.1", ""},
    {"nesterov_not_bool", "  optimizer = sgd(momentum=0.9, nesterov=1)\n",
     "test.llie:6:33: error: sgd: 'nesterov' must be true or false, got 1", ""},
    {"nesterov_without_momentum", "  optimizer = sgd(lr=0.1, nesterov=true)\n",
     "test.llie:6:27: error: sgd: nesterov needs momentum > 0 and dampening = 0", ""},
    {"step_needs_step_size", "  schedule = step(gamma=0.5)\n",
     "test.llie:6:14: error: step needs 'step_size'", "step(step_size=, gamma=)"},
    {"step_size_zero", "  schedule = step(step_size=0)\n",
     "test.llie:6:19: error: step: 'step_size' must be an int > 0, got 0", ""},
    {"step_size_float", "  schedule = step(step_size=2.5)\n",
     "test.llie:6:19: error: step: 'step_size' must be an int > 0, got 2.5", ""},
    {"milestones_decreasing", "  schedule = multistep(milestones=[200, 100])\n",
     "test.llie:6:24: error: multistep: 'milestones' must be a list of increasing positive ints, "
     "e.g. [1000, 2000], got 100 in the list",
     ""},
    {"milestones_not_a_list", "  schedule = multistep(milestones=100)\n",
     "test.llie:6:24: error: multistep: 'milestones' must be a list of increasing positive ints, "
     "e.g. [1000, 2000], got 100",
     ""},
    {"gamma_zero", "  schedule = multistep(milestones=[10], gamma=0)\n",
     "test.llie:6:41: error: multistep: 'gamma' must be a number > 0, got 0", ""},
    {"t_max_negative", "  schedule = cosine(t_max=-5)\n",
     "test.llie:6:21: error: cosine: 't_max' must be an int >= 0, got -5", ""},
    {"eta_min_negative", "  schedule = cosine(eta_min=-1e-6)\n",
     "test.llie:6:21: error: cosine: 'eta_min' must be a number >= 0, got -1e-06", ""},
    {"warmup_needs_steps", "  warmup = linear(start_factor=0.5)\n",
     "test.llie:6:12: error: linear needs 'steps'", ""},
    {"warmup_start_factor_zero", "  warmup = linear(steps=10, start_factor=0)\n",
     "test.llie:6:29: error: linear: 'start_factor' must be a number in (0, 1], got 0", ""},
    {"optimizer_not_a_call", "  optimizer = 0.1\n",
     "test.llie:6:15: error: 'optimizer' expects sgd(...), adam(...) or adamw(...), got a float",
     ""},
    {"batch_float", "  batch = 4.5\n",
     "test.llie:6:11: error: 'batch' expects an int > 0, got the float 4.5", ""},
    {"batch_zero", "  batch = 0\n", "test.llie:6:11: error: 'batch' expects an int > 0, got 0", ""},
    {"crop_negative", "  crop = -256\n",
     "test.llie:6:10: error: 'crop' expects an int > 0, got -256", ""},
    {"epochs_zero", "  epochs = 0\n", "test.llie:6:12: error: 'epochs' expects an int > 0, got 0",
     ""},
    {"steps_negative", "  steps = -1\n",
     "test.llie:6:11: error: 'steps' expects an int >= 0 (0 = run `epochs` epochs), got -1", ""},
    {"eval_every_string", "  eval_every = \"often\"\n",
     "test.llie:6:16: error: 'eval_every' expects an int >= 0 (0 = only at the end), got a string",
     ""},
    {"checkpoint_every_negative", "  checkpoint_every = -10\n",
     "test.llie:6:22: error: 'checkpoint_every' expects an int >= 0 (0 = only at the end), got -10",
     ""},
    {"clip_negative", "  clip_grad_norm = -1\n",
     "test.llie:6:20: error: 'clip_grad_norm' expects a number >= 0 (0 = no clipping), got -1", ""},
    {"freeze_ints", "  freeze = [1, 2]\n",
     "test.llie:6:12: error: 'freeze' expects a list of parameter name prefixes, e.g. [\"stem\", "
     "\"enc.e1\"], got a list",
     ""},
    {"set_twice", "  batch = 4\n  batch = 8\n",
     "test.llie:7:3: error: setting 'batch' is set twice", ""},
    {"huber_beta", "  loss h = huber_loss(y, gt, beta=0.5)\n",
     "test.llie:6:30: error: huber_loss has no setting 'beta'", "huber_loss's threshold is delta="},
    {"l1_beta", "  loss h = l1_loss(y, gt, beta=0.5)\n",
     "test.llie:6:27: error: l1_loss has no setting 'beta'", "only smooth_l1_loss (beta=)"},
};

INSTANTIATE_TEST_SUITE_P(Train, TrainSettingError, ::testing::ValuesIn(kErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TrainSettingErrors, SetTwiceNotesTheFirst) {
  auto r = compileTrain("  optimizer = adam()\n  optimizer = sgd(lr=0.1)\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(firstLine(r->errors), "test.llie:7:3: error: setting 'optimizer' is set twice");
  EXPECT_NE(r->errors.find("test.llie:6:3: note: first set here"), std::string::npos) << r->errors;
}

TEST(TrainSettingErrors, SeveralErrorsInOneRun) {
  auto r = compileTrain("  optimizer = adam(lr=0, eps=0)\n  batch = 0\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_NE(r->errors.find("6:20: error: adam: 'lr' must be a number > 0, got 0"),
            std::string::npos)
      << r->errors;
  EXPECT_NE(r->errors.find("6:26: error: adam: 'eps' must be a number > 0, got 0"),
            std::string::npos)
      << r->errors;
  EXPECT_NE(r->errors.find("7:11: error: 'batch' expects an int > 0, got 0"), std::string::npos)
      << r->errors;
}

TEST(TrainSettingErrors, ModelEntriesCannotHaveSettings) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n"
                       "  y = relu(x)\n"
                       "  clip_grad_norm = 0.1\n"
                       "}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(firstLine(r->errors), "test.llie:3:3: error: 'clip_grad_norm' is a training setting; "
                                  "model entries cannot have settings")
      << r->errors;
  EXPECT_NE(r->errors.find("hint: set it in a train entry that calls this model"),
            std::string::npos);
}

TEST(TrainSettingErrors, BlocksCannotHaveSettings) {
  auto r = compileText("block B(x) -> y {\n"
                       "  y = relu(x)\n"
                       "  optimizer = adam(lr=1e-3)\n"
                       "}\n"
                       "train T(x: [N, 3, H, W]) {\n"
                       "  loss l = mean(B(x))\n"
                       "}\n",
                       {"T", false, {}});
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(firstLine(r->errors),
            "test.llie:3:3: error: 'optimizer' is a training setting; settings belong at the top "
            "level of a train entry, not in block 'B'")
      << r->errors;
}

TEST(TrainSettingErrors, PlainVariablesStayAllowed) {
  // Names far from every setting, or read later, are ordinary variables.
  TrainConfig c = configOf("  w = 0.5\n  loss l2 = w * mse_loss(y, gt)\n  scale = 3\n");
  EXPECT_EQ(c, TrainConfig{});
  TrainConfig d = configOf("  bach = 4\n  loss b = bach * l1_loss(y, gt)\n");
  EXPECT_EQ(d, TrainConfig{});
}

// ---- step -------------------------------------------------------------------------------------

TEST(TrainStep, StepIsOneScalarInputAndDrivesWhere) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n  y = relu(x)\n}\n"
                       "train T(x: [N, 3, H, W], start: int = 1000) {\n"
                       "  w = where(step >= start, 0.1, 0.0)\n"
                       "  v = where(step < 10, 2.0, 1.0)\n"
                       "  loss a = w * mean(M(x))\n"
                       "  loss b = v + 0.0 * mean(x)\n"
                       "}\n",
                       {"T", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  std::vector<NodeId> inputs = g.nodesOf(OpKind::Input);
  ASSERT_EQ(inputs.size(), 2u);
  const Node& stepNode = g.nodes[inputs[1]];
  EXPECT_EQ(attrsOf<InputAttrs>(stepNode).name, "step");
  EXPECT_EQ(g.type(stepNode.outputs[0]).dtype, DType::F32);
  EXPECT_TRUE(g.type(stepNode.outputs[0]).shape.empty());
  // step >= start: the comparison against a scalar constant 1000, feeding where(c, 0.1, 0.0).
  auto ge = g.nodesOf(OpKind::GreaterEqual);
  ASSERT_EQ(ge.size(), 1u);
  const Node& cmp = g.nodes[ge[0]];
  EXPECT_EQ(cmp.inputs[0], stepNode.outputs[0]);
  const Node& k = g.producer(cmp.inputs[1]);
  ASSERT_EQ(k.op, OpKind::Constant);
  EXPECT_EQ(attrsOf<ConstantAttrs>(k).value, 1000.0);
  EXPECT_EQ(g.type(cmp.outputs[0]).dtype, DType::Bool);
  EXPECT_EQ(g.nodesOf(OpKind::Less).size(), 1u);
  auto wh = g.nodesOf(OpKind::Where);
  ASSERT_EQ(wh.size(), 2u);
  const Node& w = g.nodes[wh[0]];
  EXPECT_EQ(w.inputs[0], cmp.outputs[0]);
  EXPECT_EQ(attrsOf<ConstantAttrs>(g.producer(w.inputs[1])).value, 0.1);
  EXPECT_EQ(attrsOf<ConstantAttrs>(g.producer(w.inputs[2])).value, 0.0);
  EXPECT_TRUE(g.type(w.outputs[0]).shape.empty());

  // Run it: the weights switch at the given step.
  auto sg = specializeGraph(g, {{"x", {1, 3, 4, 4}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(std::move(*sg), **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  HostTensor x({1, 3, 4, 4});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = 0.5f;
  ASSERT_TRUE((*ex)->setInput("x", x).isOk());
  HostTensor s(std::vector<int64_t>{});
  for (float stepValue : {0.f, 9.f, 10.f, 999.f, 1000.f, 5000.f}) {
    s.f32()[0] = stepValue;
    ASSERT_TRUE((*ex)->setInput("step", s).isOk());
    ASSERT_TRUE((*ex)->run().isOk());
    auto a = (*ex)->output("loss.a");
    auto b = (*ex)->output("loss.b");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_FLOAT_EQ(a->f32()[0], stepValue >= 1000 ? 0.05f : 0.f) << stepValue;
    EXPECT_FLOAT_EQ(b->f32()[0], stepValue < 10 ? 2.f : 1.f) << stepValue;
  }
}

TEST(TrainStep, StepOutsideTrainEntriesIsAnError) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n  y = x * where(step > 5, 1.0, 0.0)\n}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(firstLine(r->errors), "test.llie:2:17: error: 'step' (the number of optimizer steps "
                                  "taken) exists only in train entries")
      << r->errors;
}

TEST(TrainStep, AVariableNamedStepShadowsTheInput) {
  auto r = compileText("train T(x: [N, 3, H, W]) {\n"
                       "  l = 0.0\n"
                       "  for step in range(2) {\n    l = l + step * mean(x)\n  }\n"
                       "  loss l = l\n"
                       "}\n",
                       {"T", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  EXPECT_EQ(r->model->graph.nodesOf(OpKind::Input).size(), 1u);
}

// ---- constants with data ------------------------------------------------------------------------

TEST(ConstantTensors, GaussianWindowIsPytorchSsimsWindow) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> (y, w, d) {\n"
                       "  w = gaussian_window(11, 1.5)\n"
                       "  d = gaussian_window(5, 1.0, channels=3)\n"
                       "  y = x\n"
                       "}\n",
                       {"", true, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  const Node& w = g.producer(g.outputs[1].value);
  ASSERT_EQ(w.op, OpKind::Constant);
  EXPECT_EQ(shapeToString(g.type(w.outputs[0]).shape, g.symbols), "[11, 11]");
  const auto& data = attrsOf<ConstantAttrs>(w).data;
  ASSERT_EQ(data.size(), 121u);
  // pytorch-ssim: gauss = exp(-(i - 5)^2 / (2 sigma^2)) / sum; window = gauss gauss^T.
  double g1[11], total = 0;
  for (int i = 0; i < 11; ++i)
    total += g1[i] = std::exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
  double sum = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) {
      EXPECT_NEAR(data[i * 11 + j], g1[i] / total * g1[j] / total, 1e-15);
      sum += data[i * 11 + j];
    }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_NEAR(data[5 * 11 + 5], 0.0707622378, 1e-9); // the centre tap, (1 / 3.7592315)^2
  // channels=3: the depthwise weight [3, 1, 5, 5], the same window in each channel.
  const Node& d = g.producer(g.outputs[2].value);
  EXPECT_EQ(shapeToString(g.type(d.outputs[0]).shape, g.symbols), "[3, 1, 5, 5]");
  const auto& dd = attrsOf<ConstantAttrs>(d).data;
  ASSERT_EQ(dd.size(), 75u);
  for (int i = 0; i < 25; ++i) {
    EXPECT_EQ(dd[i], dd[25 + i]);
    EXPECT_EQ(dd[i], dd[50 + i]);
  }
  EXPECT_NEAR(dd[12], 0.16210282163712, 1e-12); // (1 / sum exp(-k^2/2), k = -2..2)^2
  // The printer shows long data by its ends and count.
  std::string ir = printGraph(g);
  EXPECT_NE(ir.find("constant {data=[1.0575656e-06, 7.81441153e-06, 3.70224771e-05, ... (121 "
                    "values), 1.0575656e-06]} : f32[11, 11]"),
            std::string::npos)
      << ir;
}

// axis=2 / axis=3 give the 1-D factor g of the window as depthwise weights [C, 1, k, 1] and
// [C, 1, 1, k]; the two convs in turn (std/losses.llie's GaussianBlur) equal the 2-D window's
// conv, checked against a float64 blur with g gᵀ, "same" zero padding, on both host backends.
TEST(ConstantTensors, GaussianWindowFactorsBlurAsTheTwoDWindow) {
  auto r = compileText("import \"std/losses.llie\"\n"
                       "model M(x: [N, 2, H, W]) -> (y2, ys, rows) {\n"
                       "  y2 = conv2d(x, gaussian_window(7, 1.5, channels=2), groups=2, pad=3)\n"
                       "  ys = GaussianBlur(x, 7, 1.5, padding=3)\n"
                       "  rows = gaussian_window(7, 1.5, channels=2, axis=2)\n"
                       "}\n",
                       {"", true, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  auto rowsOut = std::find_if(g.outputs.begin(), g.outputs.end(),
                              [](const GraphOutput& o) { return o.name == "rows"; });
  ASSERT_NE(rowsOut, g.outputs.end());
  const Node& rows = g.producer(rowsOut->value);
  ASSERT_EQ(rows.op, OpKind::Constant);
  EXPECT_EQ(shapeToString(g.type(rows.outputs[0]).shape, g.symbols), "[2, 1, 7, 1]");
  double g1[7], total = 0;
  for (int i = 0; i < 7; ++i)
    total += g1[i] = std::exp(-(i - 3) * (i - 3) / (2 * 1.5 * 1.5));
  const auto& rd = attrsOf<ConstantAttrs>(rows).data;
  ASSERT_EQ(rd.size(), 14u);
  for (int i = 0; i < 14; ++i)
    EXPECT_NEAR(rd[i], g1[i % 7] / total, 1e-15);
  const int64_t H = 12, W = 9;
  HostTensor x({1, 2, H, W});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = static_cast<float>((i * 37 % 23) / 23.0 - 0.3);
  auto sg = specializeGraph(g, {{"x", {1, 2, H, W}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  for (const char* backendName : {"cpu", "reference"}) {
    auto backend = createBackend(backendName);
    ASSERT_TRUE(backend.ok());
    auto ex = Executor::create(*sg, **backend);
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    ASSERT_TRUE((*ex)->setInput("x", x).isOk());
    ASSERT_TRUE((*ex)->run().isOk());
    auto y2 = (*ex)->output("y2");
    auto ys = (*ex)->output("ys");
    ASSERT_TRUE(y2.ok() && ys.ok());
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) {
          double want = 0;
          for (int i = 0; i < 7; ++i)
            for (int j = 0; j < 7; ++j) {
              const int64_t ih = h + i - 3, iw = w + j - 3;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                want += g1[i] / total * g1[j] / total * x.f32()[(c * H + ih) * W + iw];
            }
          const int64_t at = (c * H + h) * W + w;
          EXPECT_NEAR(y2->f32()[at], want, 2e-7) << backendName << " 2-D " << at;
          EXPECT_NEAR(ys->f32()[at], want, 2e-7) << backendName << " separated " << at;
        }
  }
  auto bad = compileText("model M(x: [N, 3, H, W]) -> y {\n"
                         "  y = x * gaussian_window(5, 1.5, axis=2)\n"
                         "}\n");
  ASSERT_FALSE(bad->model.ok());
  EXPECT_EQ(
      firstLine(bad->errors),
      "test.llie:2:11: error: gaussian_window: axis (2 or 3) gives the 1-D factor of a "
      "depthwise weight and needs channels, e.g. gaussian_window(11, 1.5, channels=3, axis=2)");
}

TEST(ConstantTensors, TensorLiteralRunsThroughTheExecutor) {
  auto r = compileText("model M(x: [N, 2, 2, 3]) -> y {\n"
                       "  y = x * tensor([[1, 2, 3], [4, 5, 6.5]])\n"
                       "}\n");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  auto consts = g.nodesOf(OpKind::Constant);
  ASSERT_EQ(consts.size(), 1u);
  EXPECT_EQ(attrsOf<ConstantAttrs>(g.nodes[consts[0]]).data,
            (std::vector<double>{1, 2, 3, 4, 5, 6.5}));
  EXPECT_NE(printGraph(g).find("constant {data=[1, 2, 3, 4, 5, 6.5]} : f32[2, 3]"),
            std::string::npos)
      << printGraph(g);
  auto sg = specializeGraph(g, {{"x", {1, 2, 2, 3}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  for (const char* backendName : {"cpu", "reference"}) {
    auto backend = createBackend(backendName);
    ASSERT_TRUE(backend.ok());
    auto ex = Executor::create(*sg, **backend);
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    HostTensor x({1, 2, 2, 3});
    for (int64_t i = 0; i < 12; ++i)
      x.f32()[i] = static_cast<float>(i + 1);
    ASSERT_TRUE((*ex)->setInput("x", x).isOk());
    ASSERT_TRUE((*ex)->run().isOk());
    auto y = (*ex)->output("y");
    ASSERT_TRUE(y.ok());
    const float want[] = {1, 2, 3, 4, 5, 6.5};
    for (int64_t i = 0; i < 12; ++i)
      EXPECT_FLOAT_EQ(y->f32()[i], (i + 1) * want[i % 6]) << backendName << " " << i;
  }
}

TEST(ConstantTensors, BadLiteralsAreErrors) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n"
                       "  y = x * tensor([[1, 2], [3]])\n"
                       "}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(firstLine(r->errors), "test.llie:2:18: error: tensor: expects a non-empty, rectangular "
                                  "(nested) list of numbers, got a list");
  auto w = compileText("model M(x: [N, 3, H, W]) -> y {\n"
                       "  y = x * gaussian_window(0, 1.5)\n"
                       "}\n");
  ASSERT_FALSE(w->model.ok());
  EXPECT_EQ(firstLine(w->errors), "test.llie:2:11: error: gaussian_window: needs a size > 0 and a "
                                  "sigma > 0, e.g. gaussian_window(11, 1.5)");
}

// ---- plan round trip --------------------------------------------------------------------------

TEST(TrainPlan, TrainConfigAndDataConstantsRoundTrip) {
  // SSIM (std/losses.llie) brings a constant with data: its Gaussian window.
  auto r =
      compileText("import \"std/losses.llie\"\n" + std::string(kModel) +
                      "  optimizer = sgd(lr=0.02, momentum=0.8, dampening=0.1, weight_decay=1e-4)\n"
                      "  schedule = multistep(milestones=[10, 20, 35], gamma=0.25)\n"
                      "  warmup = linear(steps=7, start_factor=0.2)\n"
                      "  clip_grad_norm = 2.5\n"
                      "  batch = 3\n  crop = 96\n  steps = 123\n  epochs = 9\n"
                      "  eval_every = 11\n  checkpoint_every = 13\n"
                      "  freeze = [\"conv2d\", \"x.y\"]\n"
                      "  loss s = 1.0 - SSIM(y, gt)\n"
                      "}\n",
                  {"T", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  TrainConfig want;
  want.optimizer.kind = OptimizerKind::Sgd;
  want.optimizer.lr = 0.02, want.optimizer.momentum = 0.8, want.optimizer.dampening = 0.1;
  want.optimizer.weightDecay = 1e-4;
  want.schedule.kind = ScheduleKind::MultiStep;
  want.schedule.milestones = {10, 20, 35}, want.schedule.gamma = 0.25;
  want.schedule.warmupSteps = 7, want.schedule.warmupStartFactor = 0.2;
  want.clipGradNorm = 2.5, want.batch = 3, want.crop = 96, want.steps = 123, want.epochs = 9;
  want.evalEvery = 11, want.checkpointEvery = 13, want.freeze = {"conv2d", "x.y"};
  EXPECT_EQ(g.train, want);

  SourceManager sm2;
  auto back = graphFromJson(graphToJson(g, r->sm), sm2);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->train, want);
  EXPECT_EQ(back->kind, GraphKind::Training);
  // The SSIM window's two 1-D factors survive bit for bit (JSON doubles round-trip exactly).
  auto a = g.nodesOf(OpKind::Constant), b = back->nodesOf(OpKind::Constant);
  ASSERT_EQ(a.size(), b.size());
  int withData = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& ca = attrsOf<ConstantAttrs>(g.nodes[a[i]]);
    const auto& cb = attrsOf<ConstantAttrs>(back->nodes[b[i]]);
    EXPECT_EQ(ca, cb);
    withData += !ca.data.empty();
    if (!ca.data.empty()) {
      const std::string shape =
          shapeToString(back->type(back->nodes[b[i]].outputs[0]).shape, back->symbols);
      EXPECT_TRUE(shape == "[3, 1, 11, 1]" || shape == "[3, 1, 1, 11]") << shape;
    }
  }
  EXPECT_EQ(withData, 10); // the five blurs of SSIM, two factors each (train entries get no cse)

  // A plan without "train" (an inference plan, or one written before settings existed) reads as
  // the defaults; a constant whose data does not fill its shape is refused.
  auto j = graphToJson(g, r->sm);
  j.erase("train");
  auto noTrain = graphFromJson(j, sm2);
  ASSERT_TRUE(noTrain.ok()) << noTrain.status().message();
  EXPECT_EQ(noTrain->train, TrainConfig{});
  j = graphToJson(g, r->sm);
  j["train"]["optimizer"]["kind"] = "rmsprop";
  auto badKind = graphFromJson(j, sm2);
  ASSERT_FALSE(badKind.ok());
  EXPECT_NE(badKind.status().message().find("unknown optimizer 'rmsprop'"), std::string::npos);
  j = graphToJson(g, r->sm);
  for (auto& n : j["nodes"])
    if (n["op"] == "constant" && !n["attrs"]["data"].empty()) n["attrs"]["data"].erase(0);
  auto short_ = graphFromJson(j, sm2);
  ASSERT_FALSE(short_.ok());
  EXPECT_NE(short_.status().message().find("does not fill its shape"), std::string::npos);
}

TEST(TrainPlan, InferencePlansHaveNoTrainSection) {
  auto r = compileText("model M(x: [N, 3, H, W]) -> y {\n  y = relu(x)\n}\n");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  EXPECT_FALSE(graphToJson(r->model->graph, r->sm).contains("train"));
}

// ---- the repository's train entries -------------------------------------------------------------

TEST(RepoTrainEntries, ZeroDceTrainSettingsLandInTheConfig) {
  auto r = compileRepoModel("models/zero_dce.llie", {"ZeroDCETrain", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const TrainConfig& c = r->model->graph.train;
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::Adam);
  EXPECT_EQ(c.optimizer.lr, 1e-4);
  EXPECT_EQ(c.optimizer.weightDecay, 1e-4);
  EXPECT_EQ(c.clipGradNorm, 0.1);
  EXPECT_EQ(c.batch, 8);
  EXPECT_EQ(c.crop, 256);
  EXPECT_EQ(c.epochs, 200);
}

TEST(RepoTrainEntries, FlagshipTrainEntry) {
  auto r = compileRepoModel("models/sadfpn_unet.llie", {"SADFPNTrain", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  EXPECT_EQ(g.kind, GraphKind::Training);
  std::vector<std::string> names;
  for (auto& o : g.outputs)
    names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string>{"loss.l1", "loss.ssim", "loss.sad"}));
  const TrainConfig& c = g.train;
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::Adam);
  EXPECT_EQ(c.optimizer.lr, 1e-3);
  EXPECT_EQ(c.batch, 4);
  EXPECT_EQ(c.crop, 256);
  // Inputs x, gt and step; the model keeps its checkpoint names.
  std::vector<std::string> inputs;
  for (NodeId n : g.nodesOf(OpKind::Input))
    inputs.push_back(attrsOf<InputAttrs>(g.nodes[n]).name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"x", "gt", "step"}));
  EXPECT_GE(g.findParam("stem.0.conv.weight") + g.findParam("stem.0.weight"), -1);
  EXPECT_GE(g.findParam("head.weight"), 0);
  // SAD: four spatial softmaxes at e1's size, three stop_grads; w_sad switches at sad_start.
  EXPECT_EQ(g.nodesOf(OpKind::Softmax).size(), 4u);
  EXPECT_EQ(g.nodesOf(OpKind::StopGrad).size(), 3u);
  for (NodeId n : g.nodesOf(OpKind::Softmax))
    EXPECT_EQ(shapeToString(g.type(g.nodes[n].outputs[0]).shape, g.symbols), "[N, 1, H/2, W/2]");
  auto ge = g.nodesOf(OpKind::GreaterEqual);
  ASSERT_EQ(ge.size(), 1u);
  EXPECT_EQ(attrsOf<ConstantAttrs>(g.producer(g.nodes[ge[0]].inputs[1])).value, 1000.0);
  auto later =
      compileRepoModel("models/sadfpn_unet.llie", {"SADFPNTrain", false, {{"sad_start", "50"}}});
  ASSERT_TRUE(later->model.ok()) << later->errors;
  const Graph& g2 = later->model->graph;
  EXPECT_EQ(
      attrsOf<ConstantAttrs>(g2.producer(g2.nodes[g2.nodesOf(OpKind::GreaterEqual)[0]].inputs[1]))
          .value,
      50.0);
  // The inference entry is unchanged: one output, no step.
  auto inf = compileRepoModel("models/sadfpn_unet.llie");
  ASSERT_TRUE(inf->model.ok()) << inf->errors;
  EXPECT_EQ(inf->model->graph.outputs.size(), 1u);
  EXPECT_EQ(inf->model->graph.nodesOf(OpKind::Input).size(), 1u);
}

TEST(RepoTrainEntries, FlagshipTrainEntryRunsForwardAndSadSwitchesOn) {
  auto r = compileRepoModel("models/sadfpn_unet.llie", {"SADFPNTrain", false, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto sg = specializeGraph(r->model->graph, {{"x", {1, 3, 32, 32}}, {"gt", {1, 3, 32, 32}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  std::map<std::string, HostTensor> weights;
  for (const Node& n : sg->nodes) {
    if (n.op != OpKind::Param && n.op != OpKind::State) continue;
    HostTensor t(concreteShape(sg->type(n.outputs[0])));
    ASSERT_TRUE(initParam(t, attrsOf<ParamAttrs>(n), 7).isOk());
    weights[attrsOf<ParamAttrs>(n).name] = std::move(t);
  }
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(std::move(*sg), **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights(weights).isOk());
  HostTensor x({1, 3, 32, 32}), gt({1, 3, 32, 32});
  for (int64_t i = 0; i < x.numel(); ++i) {
    x.f32()[i] = 0.2f + 0.1f * std::sin(0.3f * i);
    gt.f32()[i] = 0.6f + 0.3f * std::cos(0.17f * i);
  }
  ASSERT_TRUE((*ex)->setInput("x", x).isOk());
  ASSERT_TRUE((*ex)->setInput("gt", gt).isOk());
  std::map<float, std::map<std::string, float>> got;
  HostTensor s(std::vector<int64_t>{});
  for (float step : {0.f, 999.f, 1000.f}) {
    s.f32()[0] = step;
    ASSERT_TRUE((*ex)->setInput("step", s).isOk());
    ASSERT_TRUE((*ex)->run().isOk());
    for (const char* name : {"loss.l1", "loss.ssim", "loss.sad"}) {
      auto t = (*ex)->output(name);
      ASSERT_TRUE(t.ok()) << name;
      EXPECT_TRUE(std::isfinite(t->f32()[0])) << name;
      got[step][name] = t->f32()[0];
    }
  }
  // The output is a sigmoid in (0, 1): L1 and 0.5 (1 - SSIM) are positive and bounded.
  EXPECT_GT(got[0]["loss.l1"], 0.f);
  EXPECT_LT(got[0]["loss.l1"], 1.f);
  EXPECT_GT(got[0]["loss.ssim"], 0.f);
  EXPECT_LT(got[0]["loss.ssim"], 1.f);
  // SAD weighs 0 before sad_start and 0.1 from it on; the other terms do not depend on step.
  EXPECT_EQ(got[0]["loss.sad"], 0.f);
  EXPECT_EQ(got[999]["loss.sad"], 0.f);
  EXPECT_GT(got[1000]["loss.sad"], 0.f);
  EXPECT_EQ(got[1000]["loss.l1"], got[0]["loss.l1"]);
  EXPECT_EQ(got[1000]["loss.ssim"], got[0]["loss.ssim"]);
}
