// The rematerialize pass on the repository's train entries: the training step with and without
// it computes the same loss and gradients on the cpu backend, the flagship's recomputed values
// are the batchnorm and relu6 outputs its backward reads, and the activation memory the planner
// must hold at once drops by more than a third.
#include "compiler/passes/memory_plan.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/pipelines.h"
#include "tests/passes/fusion_check.h"

using namespace llie;
using namespace llie::testing;

namespace {

const std::vector<std::string> kWithout = {"training-mode", "backward", "dce"};
const std::vector<std::string> kWith = {"training-mode", "backward", "rematerialize", "dce"};

/// The train entry's step (forward and backward, gradients as outputs) through `passes`.
Graph stepGraph(const std::string& model, const std::string& entry,
                const std::vector<std::string>& passes) {
  ElaborateOptions eo;
  eo.entry = entry;
  auto r = compileRepoModel(model, eo);
  EXPECT_TRUE(r->model.ok()) << r->errors;
  Graph g = r->model->graph;
  EXPECT_TRUE(runPipeline(g, passes, {}, nullptr, {true, false}).isOk());
  return g;
}

/// The image inputs of the step: x, and gt for a paired entry.
std::vector<std::string> imageInputs(const Graph& g) {
  std::vector<std::string> names;
  for (NodeId i : g.nodesOf(OpKind::Input)) {
    const std::string& name = attrsOf<InputAttrs>(g.nodes[i]).name;
    if (name == "x" || name == "gt") names.push_back(name);
  }
  return names;
}

Graph specialized(const Graph& g, const std::vector<int64_t>& shape) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const std::string& name : imageInputs(g))
    shapes[name] = shape;
  auto s = specializeGraph(g, shapes);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().message());
  return s.ok() ? *s : Graph{};
}

/// Most activation bytes live at one step (the planner's lower bound less the pinned bytes).
size_t activationPeak(const Graph& specialised) {
  MemoryRequests r = memoryRequests(specialised);
  size_t pinned = 0;
  for (size_t v = 0; v < r.buffers.size(); ++v)
    if (r.pinned[v]) pinned += (r.buffers[v].bytes + 63) / 64 * 64;
  return planMemory(r.buffers).lowerBound - pinned;
}

/// Every output of the step on the cpu backend, from seeded weights and inputs.
Outputs runStep(const Graph& g, const std::vector<int64_t>& shape) {
  Outputs out;
  auto be = createBackend("cpu");
  auto ex = Executor::create(specialized(g, shape), **be);
  EXPECT_TRUE(ex.ok()) << (ex.ok() ? "" : ex.status().message());
  if (!ex.ok()) return out;
  EXPECT_TRUE((*ex)->setWeights(fusionWeights(g, 3)).isOk());
  uint64_t seed = 1;
  for (const std::string& name : imageInputs(g))
    EXPECT_TRUE((*ex)->setInput(name, testInput(shape, seed++)).isOk()) << name;
  EXPECT_TRUE((*ex)->run().isOk());
  for (auto& o : g.outputs) {
    auto t = (*ex)->output(o.name);
    EXPECT_TRUE(t.ok()) << o.name;
    if (t.ok()) out[o.name] = std::move(*t);
  }
  return out;
}

/// Bit-for-bit equality of every output (recomputation runs the same kernels on the same data).
void expectIdentical(const Outputs& a, const Outputs& b) {
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 1u);
  for (auto& [name, t] : a) {
    const HostTensor& u = b.at(name);
    ASSERT_EQ(t.shape, u.shape) << name;
    int64_t differ = 0;
    for (int64_t i = 0; i < t.numel(); ++i)
      differ += t.f32()[i] != u.f32()[i];
    EXPECT_EQ(differ, 0) << name;
  }
}

} // namespace

TEST(Rematerialize, FlagshipRecomputesBatchnormAndRelu6OutputsForTheBackward) {
  Graph without = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWithout);
  Graph with = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWith);
  // Every conv-batchnorm-relu6 block's normalised output and relu6 output are recomputed once
  // for the backward: one inference batchnorm per batchnorm_train, twice the relu6 nodes.
  EXPECT_EQ(countOf(without, OpKind::BatchNorm), 0u);
  EXPECT_EQ(countOf(with, OpKind::BatchNormTrain), countOf(without, OpKind::BatchNormTrain));
  EXPECT_EQ(countOf(with, OpKind::BatchNorm), countOf(without, OpKind::BatchNormTrain));
  EXPECT_EQ(countOf(with, OpKind::Relu6), 2 * countOf(without, OpKind::Relu6));
  // No backward node reads a batchnorm_train's normalised output any more.
  const auto users = with.users();
  for (NodeId b : with.nodesOf(OpKind::BatchNormTrain))
    for (NodeId u : users[with.nodes[b].outputs[0]])
      EXPECT_NE(with.nodes[u].op, OpKind::UnaryGrad) << "node " << u;
  // Most activation bytes live at once at the benchmark's batch (planned, not run): measured
  // 2301 -> 1428 MiB (both with in-place ops and relu6 gradients reading the output; without
  // those either, 3241 MiB).
  size_t before = activationPeak(specialized(without, {4, 3, 256, 256}));
  size_t after = activationPeak(specialized(with, {4, 3, 256, 256}));
  EXPECT_LT(after, before * 65 / 100) << before << " -> " << after;
}

TEST(Rematerialize, FlagshipStepGivesTheSameLossAndGradients) {
  Graph without = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWithout);
  Graph with = stepGraph("models/sadfpn_unet.llie", "SADFPNTrain", kWith);
  expectIdentical(runStep(without, {2, 3, 32, 32}), runStep(with, {2, 3, 32, 32}));
}

TEST(Rematerialize, ZeroDceStepGivesTheSameLossAndGradients) {
  Graph without = stepGraph("models/zero_dce.llie", "ZeroDCETrain", kWithout);
  Graph with = stepGraph("models/zero_dce.llie", "ZeroDCETrain", kWith);
  EXPECT_GT(with.nodes.size(), without.nodes.size());
  size_t before = activationPeak(specialized(without, {2, 3, 64, 64}));
  size_t after = activationPeak(specialized(with, {2, 3, 64, 64}));
  EXPECT_LT(after, before) << before << " -> " << after;
  expectIdentical(runStep(without, {2, 3, 32, 32}), runStep(with, {2, 3, 32, 32}));
}

TEST(Rematerialize, InferenceGraphsAndGraphsWithoutALossAreLeftAlone) {
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  Graph g = r->model->graph;
  g.kind = GraphKind::Training; // no output named "loss"
  size_t nodes = g.nodes.size();
  PassReport report;
  PassOptions po;
  po.report = &report;
  ASSERT_TRUE(runPipeline(g, {"rematerialize"}, po).isOk());
  EXPECT_EQ(report.runs.at(0).changes, 0);
  EXPECT_EQ(g.nodes.size(), nodes);
}
