// Helpers for the tests of the training-step passes (rematerialize, fuse-batchnorm-activation):
// a repository train entry's step through a list of passes, specialised to an image shape, run
// on the cpu backend from seeded weights and inputs, outputs compared bit for bit, and the most
// activation bytes the planner must hold at once.
#pragma once
#include "compiler/passes/memory_plan.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/pipelines.h"
#include "tests/passes/fusion_check.h"

namespace llie::testing {

/// The train entry's step (forward and backward, gradients as outputs) through `passes`.
inline Graph stepGraph(const std::string& model, const std::string& entry,
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
inline std::vector<std::string> imageInputs(const Graph& g) {
  std::vector<std::string> names;
  for (NodeId i : g.nodesOf(OpKind::Input)) {
    const std::string& name = attrsOf<InputAttrs>(g.nodes[i]).name;
    if (name == "x" || name == "gt") names.push_back(name);
  }
  return names;
}

inline Graph specialized(const Graph& g, const std::vector<int64_t>& shape) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const std::string& name : imageInputs(g))
    shapes[name] = shape;
  auto s = specializeGraph(g, shapes);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().message());
  return s.ok() ? *s : Graph{};
}

/// Most activation bytes live at one step (the planner's lower bound less the pinned bytes).
inline size_t activationPeak(const Graph& specialised) {
  MemoryRequests r = memoryRequests(specialised);
  size_t pinned = 0;
  for (size_t v = 0; v < r.buffers.size(); ++v)
    if (r.pinned[v]) pinned += (r.buffers[v].bytes + 63) / 64 * 64;
  return planMemory(r.buffers).lowerBound - pinned;
}

/// Every output of the step on the cpu backend, from seeded weights and inputs.
inline Outputs runStep(const Graph& g, const std::vector<int64_t>& shape) {
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
inline void expectIdentical(const Outputs& a, const Outputs& b) {
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

} // namespace llie::testing
