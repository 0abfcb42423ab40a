// `llie-run MODEL train` end to end on a tiny paired dataset written by the test (32x32 PNGs
// whose low image is a darkened copy of the high one) and a one-conv model with an L1 train
// entry: the loss goes down and the held-out PSNR goes up; log.jsonl has one record per step;
// two --deterministic runs give identical losses, also with --profile (which times every step);
// a run resumed from its step-5 checkpoint
// (after a simulated kill, with the log holding later steps) continues bit for bit; SIGINT
// leaves a checkpoint to resume from; a foreign, truncated or missing checkpoint and an
// output folder holding another run are refused without touching a file.
#include "runtime/checkpoint.h"
#include "runtime/image_io.h"
#include "runtime/model.h"
#include "runtime/safetensors.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

using namespace llie;
using namespace llie::testing;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const char* kTiny = R"(# A one-conv enhancer and its L1 training entry.
model Tiny(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(3, 3, padding=1, name="conv")
}

train TinyTrain(x: [N, 3, H, W], gt: [N, 3, H, W]) {
  loss l1 = mean(abs(Tiny(x) - gt))
  optimizer = adam(lr=1e-2)
}
)";

// Another model: its checkpoints must not resume TinyTrain.
const char* kOther = R"(
model Other(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(4, 3, padding=1, name="a") |> relu() |> conv2d(3, 1, name="b")
}

train OtherTrain(x: [N, 3, H, W], gt: [N, 3, H, W]) {
  loss l1 = mean(abs(Other(x) - gt))
  optimizer = adam(lr=1e-2)
}
)";

/// A smooth colour pattern (different per index) and its darkened version 0.3·x + 0.02.
void writePair(const std::string& dir, int i, int64_t size) {
  HostTensor high({1, 3, size, size}), low({1, 3, size, size});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < size; ++y)
      for (int64_t x = 0; x < size; ++x) {
        const int64_t k = (c * size + y) * size + x;
        const double v = 0.5 + 0.4 * std::sin(0.21 * (x + 3 * i) + 0.9 * c) *
                                   std::cos(0.17 * (y - 2 * i) + 0.4 * c);
        high.f32()[k] = static_cast<float>(v);
        low.f32()[k] = static_cast<float>(0.3 * v + 0.02);
      }
  const std::string name = "img" + std::to_string(i) + ".png";
  ASSERT_TRUE(savePng(dir + "/high/" + name, high));
  ASSERT_TRUE(savePng(dir + "/low/" + name, low));
}

/// DIR/train/{low,high} with `n` pairs and DIR/val/{low,high} with 2 others, all size x size.
void makeDataset(const std::string& dir, int n, int64_t size) {
  for (const char* split : {"train", "val"})
    for (const char* side : {"low", "high"})
      fs::create_directories(fs::path(dir) / split / side);
  for (int i = 0; i < n; ++i)
    writePair(dir + "/train", i, size);
  for (int i = 0; i < 2; ++i)
    writePair(dir + "/val", 100 + i, size);
}

struct Fixture {
  TmpDir tmp;
  std::string model, other, data;
  Fixture() {
    model = tmp.path("tiny.llie");
    other = tmp.path("other.llie");
    std::ofstream(model) << kTiny;
    std::ofstream(other) << kOther;
    data = tmp.path("data");
    makeDataset(data, 8, 32);
  }
  /// llie-run MODEL train --data DATA --batch 4 --crop 16 ARGS
  RunResult train(const std::string& args, const std::string& modelPath = "") const {
    return run(tool("llie-run") + " " + (modelPath.empty() ? model : modelPath) + " train --data " +
               data + " --batch 4 --crop 16 " + args);
  }
};

std::vector<json> readLog(const std::string& path) {
  std::vector<json> r;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    r.push_back(j);
  }
  return r;
}

std::vector<json> ofType(const std::vector<json>& log, const std::string& type) {
  std::vector<json> r;
  for (auto& j : log)
    if (j.value("type", "") == type) r.push_back(j);
  return r;
}

/// step -> loss of the log's train records.
std::map<int64_t, double> losses(const std::vector<json>& log) {
  std::map<int64_t, double> r;
  for (auto& j : ofType(log, "train"))
    r[j["step"].get<int64_t>()] = j["loss"].get<double>();
  return r;
}

/// Every file of a folder with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> r;
  for (auto& e : fs::directory_iterator(dir))
    r[e.path().filename().string()] = readAll(e.path().string());
  return r;
}

} // namespace

TEST(TrainCli, LossDecreasesAndTheLogHasOneRecordPerStep) {
  Fixture f;
  const std::string out = f.tmp.path("run");
  auto r = f.train("--steps 30 --deterministic --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("TinyTrain step 30/30"), std::string::npos) << r.output;

  auto log = readLog(out + "/log.jsonl");
  auto steps = ofType(log, "train");
  ASSERT_EQ(steps.size(), 30u);
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& j = steps[i];
    EXPECT_EQ(j["step"].get<int64_t>(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(j["epoch"].get<int64_t>(), static_cast<int64_t>(i / 2)); // 8 pairs / batch 4
    EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 1e-2);                     // the entry's adam(lr=1e-2)
    ASSERT_TRUE(j["loss"].is_number());
    // One term: the total is that term.
    EXPECT_FLOAT_EQ(j["loss"].get<float>(), j["loss.l1"].get<float>());
    EXPECT_GT(j["images_per_s"].get<double>(), 0.0);
    EXPECT_GE(j["time_s"].get<double>(), 0.0);
  }
  auto l = losses(log);
  double first = (l[1] + l[2] + l[3]) / 3, last = (l[28] + l[29] + l[30]) / 3;
  EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;

  // Evaluation before and after training, on the 2 held-out pairs of DATA/val.
  auto evals = ofType(log, "eval");
  ASSERT_EQ(evals.size(), 2u);
  EXPECT_EQ(evals[0]["step"].get<int64_t>(), 0);
  EXPECT_EQ(evals[1]["step"].get<int64_t>(), 30);
  EXPECT_EQ(evals[1]["count"].get<int64_t>(), 2);
  EXPECT_GT(evals[1]["psnr"].get<double>(), evals[0]["psnr"].get<double>() + 1.0);
  EXPECT_GT(evals[1]["psnr"].get<double>(), evals[1]["input_psnr"].get<double>());

  // The final weights are the inference model's and `enhance` takes them.
  auto w = readSafetensors(out + "/weights.safetensors");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->tensors.size(), 2u); // conv.weight, conv.bias: no optimizer state
  EXPECT_TRUE(w->tensors.count("conv.weight"));
  auto e = run(tool("llie-run") + " " + f.model + " enhance " + f.data + "/val/low -o " +
               f.tmp.path("enhanced") + " --weights " + out + "/weights.safetensors");
  EXPECT_EQ(e.code, 0) << e.output;
  EXPECT_TRUE(fs::exists(f.tmp.path("enhanced") + "/img100.png"));
  // Training on from those weights starts where the run ended, not from scratch.
  auto again = f.train("--steps 2 --deterministic --seed 1 --weights " + out +
                       "/weights.safetensors --out " + f.tmp.path("again"));
  ASSERT_EQ(again.code, 0) << again.output;
  auto l2 = losses(readLog(f.tmp.path("again") + "/log.jsonl"));
  EXPECT_LT(l2[1], 0.8 * first) << again.output;
  // The final checkpoint is there too.
  auto ck = loadCheckpoint(out + "/last.safetensors");
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  EXPECT_EQ(ck->meta.step, 30);
  EXPECT_EQ(ck->meta.entry, "TinyTrain");
}

TEST(TrainCli, ZeroReferenceEntryTrainsOnLowImagesOnly) {
  // Zero-DCE's train entry takes one input: it reads DATA/train/low only. --epochs 1 with 8
  // images in batches of 4 is 2 steps.
  Fixture f;
  const std::string out = f.tmp.path("zdce");
  auto r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") + " train --data " +
               f.data + " --batch 4 --crop 32 --epochs 1 --deterministic --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  auto log = readLog(out + "/log.jsonl");
  auto steps = ofType(log, "train");
  ASSERT_EQ(steps.size(), 2u);
  for (auto& j : steps) {
    double sum = 0;
    for (const char* term : {"loss.tv", "loss.spa", "loss.col", "loss.exp"}) {
      ASSERT_TRUE(j.contains(term)) << j.dump();
      sum += j[term].get<double>();
    }
    EXPECT_NEAR(j["loss"].get<double>(), sum, 1e-5 * std::abs(sum)); // the total is the sum
    EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 1e-4); // adam(lr=1e-4) of ZeroDCETrain
  }
  // The inference weights are ZeroDCE's: e_conv1..7 weights and biases.
  auto w = readSafetensors(out + "/weights.safetensors");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->tensors.size(), 14u);
  EXPECT_TRUE(w->tensors.count("e_conv7.weight"));
}

TEST(TrainCli, TheEntrysSettingsAreTheDefaults) {
  // batch, crop, steps, checkpoint_every, eval_every and a warm-up declared in the entry; the
  // command line overrides single ones.
  Fixture f;
  const std::string model = f.tmp.path("settings.llie");
  std::ofstream(model) << R"(
model Tiny(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(3, 3, padding=1, name="conv")
}
train TinyTrain(x: [N, 3, H, W], gt: [N, 3, H, W]) {
  loss l1 = mean(abs(Tiny(x) - gt))
  optimizer = adam(lr=0.04)
  warmup = linear(steps=2, start_factor=0.5)
  batch = 2
  crop = 8
  steps = 5
  checkpoint_every = 2
  eval_every = 3
}
)";
  const std::string out = f.tmp.path("run");
  auto r = run(tool("llie-run") + " " + model + " train --data " + f.data + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  auto log = readLog(out + "/log.jsonl");
  auto start = ofType(log, "start");
  ASSERT_EQ(start.size(), 1u);
  EXPECT_EQ(start[0]["batch"].get<int64_t>(), 2);
  EXPECT_EQ(start[0]["crop"].get<int64_t>(), 8);
  EXPECT_EQ(start[0]["steps_per_epoch"].get<int64_t>(), 4);
  auto steps = ofType(log, "train");
  ASSERT_EQ(steps.size(), 5u);
  // LinearLR warm-up: 0.04 * (0.5 + 0.5 * t / 2) for t < 2, then 0.04.
  EXPECT_DOUBLE_EQ(steps[0]["lr"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(steps[1]["lr"].get<double>(), 0.03);
  EXPECT_DOUBLE_EQ(steps[2]["lr"].get<double>(), 0.04);
  for (const char* ck : {"checkpoint-2.safetensors", "checkpoint-4.safetensors",
                         "checkpoint-5.safetensors", "last.safetensors"})
    EXPECT_TRUE(fs::exists(out + "/" + ck)) << ck;
  EXPECT_FALSE(fs::exists(out + "/checkpoint-3.safetensors"));
  std::vector<int64_t> evalSteps;
  for (auto& j : ofType(log, "eval"))
    evalSteps.push_back(j["step"].get<int64_t>());
  EXPECT_EQ(evalSteps, (std::vector<int64_t>{0, 3, 5}));
  // The command line wins.
  r = run(tool("llie-run") + " " + model + " train --data " + f.data + " --steps 2 --batch 4 " +
          "--lr 0.1 --checkpoint-every 0 --out " + f.tmp.path("run2"));
  ASSERT_EQ(r.code, 0) << r.output;
  log = readLog(f.tmp.path("run2") + "/log.jsonl");
  EXPECT_EQ(ofType(log, "start")[0]["batch"].get<int64_t>(), 4);
  ASSERT_EQ(ofType(log, "train").size(), 2u);
  EXPECT_DOUBLE_EQ(ofType(log, "train")[0]["lr"].get<double>(), 0.05);
  EXPECT_FALSE(fs::exists(f.tmp.path("run2") + "/checkpoint-1.safetensors"));
  EXPECT_TRUE(fs::exists(f.tmp.path("run2") + "/checkpoint-2.safetensors"));
}

TEST(TrainCli, StepIsTheNumberOfStepsTaken) {
  // A loss weight switched on by `step` (the optimizer steps already taken) after 2 steps.
  Fixture f;
  const std::string model = f.tmp.path("step.llie");
  std::ofstream(model) << R"(
model Tiny(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(3, 3, padding=1, name="conv")
}
train TinyTrain(x: [N, 3, H, W], gt: [N, 3, H, W]) {
  d = mean(abs(Tiny(x) - gt))
  loss a = d
  loss b = where(step >= 2, 1.0, 0.0) * d
  optimizer = adam(lr=1e-2)
}
)";
  const std::string out = f.tmp.path("run");
  auto r = f.train("--steps 4 --out " + out, model);
  ASSERT_EQ(r.code, 0) << r.output;
  auto steps = ofType(readLog(out + "/log.jsonl"), "train");
  ASSERT_EQ(steps.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const double a = steps[i]["loss.a"].get<double>(), b = steps[i]["loss.b"].get<double>();
    EXPECT_GT(a, 0.0);
    EXPECT_EQ(b, i < 2 ? 0.0 : a) << "step " << i + 1;
  }
}

TEST(TrainCli, DeterministicRunsGiveIdenticalLosses) {
  Fixture f;
  auto a = f.train("--steps 8 --deterministic --seed 3 --out " + f.tmp.path("a"));
  auto b = f.train("--steps 8 --deterministic --seed 3 --out " + f.tmp.path("b"));
  ASSERT_EQ(a.code, 0) << a.output;
  ASSERT_EQ(b.code, 0) << b.output;
  auto la = losses(readLog(f.tmp.path("a") + "/log.jsonl"));
  auto lb = losses(readLog(f.tmp.path("b") + "/log.jsonl"));
  ASSERT_EQ(la.size(), 8u);
  EXPECT_EQ(la, lb); // exact
  EXPECT_EQ(
      readSafetensors(f.tmp.path("a") + "/weights.safetensors")->tensors.at("conv.weight").storage,
      readSafetensors(f.tmp.path("b") + "/weights.safetensors")->tensors.at("conv.weight").storage);
  // Another seed: other initial weights and batches, so other losses.
  auto c = f.train("--steps 8 --deterministic --seed 4 --out " + f.tmp.path("c"));
  ASSERT_EQ(c.code, 0) << c.output;
  EXPECT_NE(losses(readLog(f.tmp.path("c") + "/log.jsonl")), la);
}

TEST(TrainCli, ProfileTimesEveryStepAndChangesNothing) {
  Fixture f;
  auto a = f.train("--steps 3 --deterministic --seed 3 --out " + f.tmp.path("a"));
  auto b = f.train("--steps 3 --deterministic --seed 3 --profile --out " + f.tmp.path("b"));
  ASSERT_EQ(a.code, 0) << a.output;
  ASSERT_EQ(b.code, 0) << b.output;
  EXPECT_EQ(losses(readLog(f.tmp.path("a") + "/log.jsonl")),
            losses(readLog(f.tmp.path("b") + "/log.jsonl")));
  EXPECT_EQ(
      readSafetensors(f.tmp.path("a") + "/weights.safetensors")->tensors.at("conv.weight").storage,
      readSafetensors(f.tmp.path("b") + "/weights.safetensors")->tensors.at("conv.weight").storage);
  // The training step's forward, gradient and optimizer nodes, at lines of tiny.llie.
  EXPECT_NE(b.output.find("profile: 3 runs,"), std::string::npos) << b.output;
  EXPECT_NE(b.output.find("conv2d_grad_weight"), std::string::npos) << b.output;
  EXPECT_NE(b.output.find(f.model + ":3:"), std::string::npos) << b.output;
  // The trace goes into the run folder by default: every node once per step.
  std::ifstream in(f.tmp.path("b") + "/llie-trace.json");
  json t = json::parse(in, nullptr, false);
  ASSERT_FALSE(t.is_discarded());
  std::map<int64_t, int> perNode;
  for (auto& e : t["traceEvents"])
    if (e.value("cat", "") == "node") ++perNode[e["args"]["node"].get<int64_t>()];
  ASSERT_GT(perNode.size(), 5u);
  for (auto& [node, count] : perNode)
    EXPECT_EQ(count, 3) << "node " << node;
  EXPECT_FALSE(fs::exists(f.tmp.path("a") + "/llie-trace.json"));
}

TEST(TrainCli, ResumeFromACheckpointContinuesBitForBit) {
  Fixture f;
  const std::string full = f.tmp.path("full");
  auto a = f.train("--steps 10 --checkpoint-every 5 --deterministic --out " + full);
  ASSERT_EQ(a.code, 0) << a.output;
  ASSERT_TRUE(fs::exists(full + "/checkpoint-5.safetensors"));
  ASSERT_TRUE(fs::exists(full + "/checkpoint-10.safetensors"));
  auto ck5 = loadCheckpoint(full + "/checkpoint-5.safetensors");
  ASSERT_TRUE(ck5.ok()) << ck5.status().message();
  EXPECT_EQ(ck5->meta.step, 5);
  EXPECT_EQ(ck5->meta.dataPosition, 5);
  EXPECT_EQ(ck5->meta.totalSteps, 10);
  EXPECT_EQ(ck5->meta.epoch, 2); // 2 steps per epoch
  bool hasMoments = false;
  for (auto& [name, t] : ck5->tensors)
    hasMoments |= name.rfind("opt.", 0) == 0;
  EXPECT_TRUE(hasMoments) << "the checkpoint holds no optimizer state";
  { // The model's identity is the hash of its sources.
    SourceManager sm;
    auto m = compileModel(sm, f.model, {});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(ck5->meta.modelHash, m->sourceHash);
    EXPECT_EQ(ck5->meta.entry, "TinyTrain");
  }

  // A run killed after step 8: its folder holds checkpoint-5 and a log up to step 8.
  const std::string killed = f.tmp.path("killed");
  fs::create_directories(killed);
  fs::copy_file(full + "/checkpoint-5.safetensors", killed + "/checkpoint-5.safetensors");
  fs::copy_file(full + "/checkpoint-5.safetensors", killed + "/last.safetensors");
  {
    std::ofstream log(killed + "/log.jsonl");
    for (auto& j : readLog(full + "/log.jsonl"))
      if (j.value("step", 0) <= 8) log << j.dump() << "\n";
    log << "{\"type\": \"train\", \"st"; // torn by the kill
  }
  auto b = run(tool("llie-run") + " " + f.model + " train --data " + f.data +
               " --deterministic --resume " + killed + "/last.safetensors --out " + killed);
  ASSERT_EQ(b.code, 0) << b.output;
  EXPECT_NE(b.output.find("resuming 'TinyTrain' at step 5 of 10"), std::string::npos) << b.output;

  auto fullLog = readLog(full + "/log.jsonl");
  auto resumedLog = readLog(killed + "/log.jsonl");
  auto lf = losses(fullLog), lr = losses(resumedLog);
  ASSERT_EQ(lr.size(), 10u); // steps 1..5 kept, 6..8 of the killed run replaced, 9..10 new
  for (int64_t s = 1; s <= 10; ++s)
    EXPECT_EQ(lr[s], lf[s]) << "step " << s; // bit-identical
  // Learning rates too, and the final weights and optimizer state are the same bytes.
  auto tf = ofType(fullLog, "train"), tr = ofType(resumedLog, "train");
  for (size_t i = 5; i < 10; ++i)
    EXPECT_EQ(tr[i]["lr"].get<double>(), tf[i]["lr"].get<double>());
  auto end1 = loadCheckpoint(full + "/last.safetensors");
  auto end2 = loadCheckpoint(killed + "/last.safetensors");
  ASSERT_TRUE(end1.ok() && end2.ok());
  EXPECT_EQ(end2->meta.step, 10);
  EXPECT_EQ(tensorChecksum(end1->tensors), tensorChecksum(end2->tensors));
}

TEST(TrainCli, SigintWritesACheckpointToResumeFrom) {
  Fixture f;
  const std::string out = f.tmp.path("run");
  // A long run, interrupted after a moment; whatever step it reached is checkpointed.
  auto r = run("( " + tool("llie-run") + " " + f.model + " train --data " + f.data +
               " --batch 4 --crop 16 --steps 1000000 --deterministic --out " + out +
               " & pid=$!; sleep 3; kill -INT $pid; wait $pid; echo \"exit=$?\" )");
  ASSERT_NE(r.output.find("exit=130"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("continue with --resume"), std::string::npos) << r.output;
  auto ck = loadCheckpoint(out + "/last.safetensors");
  ASSERT_TRUE(ck.ok()) << ck.status().message() << "\n" << r.output;
  const int64_t at = ck->meta.step;
  EXPECT_GE(at, 1);
  EXPECT_EQ(losses(readLog(out + "/log.jsonl")).size(), static_cast<size_t>(at));
  // Resume it to a short end (in the checkpoint's folder: no --out).
  auto b = run(tool("llie-run") + " " + f.model + " train --data " + f.data +
               " --deterministic --steps " + std::to_string(at + 2) + " --resume " + out +
               "/last.safetensors");
  ASSERT_EQ(b.code, 0) << b.output;
  EXPECT_EQ(losses(readLog(out + "/log.jsonl")).size(), static_cast<size_t>(at + 2));
}

TEST(TrainCli, ForeignTruncatedAndMissingCheckpointsAreRefusedTouchingNothing) {
  Fixture f;
  const std::string mine = f.tmp.path("mine"), theirs = f.tmp.path("theirs");
  ASSERT_EQ(f.train("--steps 4 --checkpoint-every 2 --out " + mine).code, 0);
  ASSERT_EQ(f.train("--steps 2 --out " + theirs, f.other).code, 0);
  const auto before = snapshot(mine);
  ASSERT_TRUE(before.count("checkpoint-2.safetensors"));

  // Another model's checkpoint.
  auto r = f.train("--steps 6 --out " + mine + " --resume " + theirs + "/last.safetensors");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("is not from this model ('TinyTrain')"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("from 'OtherTrain'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing from the checkpoint"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("conv.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("in the checkpoint but not in the model"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("a.weight"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);

  // Its own checkpoint, after the sources changed (a comment is enough).
  const std::string edited = f.tmp.path("edited.llie");
  std::ofstream(edited) << kTiny << "# edited\n";
  r = f.train("--steps 6 --out " + mine + " --resume " + mine + "/last.safetensors", edited);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("model source hash"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("missing from the checkpoint"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);

  // A truncated copy of its own checkpoint.
  const std::string cut = f.tmp.path("cut.safetensors");
  const std::string bytes = readAll(mine + "/checkpoint-2.safetensors");
  writeAll(cut, bytes.substr(0, bytes.size() / 2));
  r = f.train("--steps 6 --out " + mine + " --resume " + cut);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("truncated"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);

  // A missing one.
  r = f.train("--steps 6 --out " + mine + " --resume " + f.tmp.path("nope.safetensors"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);

  // Resuming with other data settings would not continue the stream.
  r = f.train("--steps 6 --out " + mine + " --seed 9 --resume " + mine + "/last.safetensors");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--seed 9 (the checkpoint's run used 0)"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);

  // A fresh run into a folder that holds a run.
  r = f.train("--steps 2 --out " + mine);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("already holds a training run"), std::string::npos) << r.output;
  EXPECT_EQ(snapshot(mine), before);
}

TEST(TrainCli, BadSettingsAreRefusedBeforeTraining) {
  Fixture f;
  // A model entry is not a train entry.
  auto r = f.train("--steps 2 --entry Tiny --out " + f.tmp.path("x"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("'Tiny' is a model entry"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--entry TinyTrain"), std::string::npos) << r.output;
  // No data folder.
  r = run(tool("llie-run") + " " + f.model + " train --data " + f.tmp.path("none") + " --out " +
          f.tmp.path("x"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("is not a folder"), std::string::npos) << r.output;
  // A crop larger than the images: the loader names the sample.
  r = run(tool("llie-run") + " " + f.model + " train --data " + f.data +
          " --batch 2 --crop 64 --steps 2 --out " + f.tmp.path("y"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_FALSE(fs::exists(f.tmp.path("x")));
}
