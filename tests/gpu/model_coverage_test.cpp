// Which ops of the shipped models the cuda backend accepts, checked without a device through
// cuda::checkNode on the specialised graphs the executor would prepare: Zero-DCE's inference
// graph and training step and the flagship's (SADFPN-UNet's) inference graph are accepted
// whole; for the flagship's training step the ops still refused are exactly the ones
// docs/cuda.md lists, so this list changes (and the doc with it) when a kernel family lands.
#include "backends/cuda/cuda_backend.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/specialize.h"
#include "runtime/model.h"

#include <gtest/gtest.h>

#include <set>

namespace llie {
namespace {

std::string repoPath(const std::string& rel) {
  return std::string(LLIE_SOURCE_DIR) + "/" + rel;
}

/// The op names cuda::checkNode refuses in a specialised graph, with the first reason each.
std::map<std::string, std::string> refused(const Graph& sg) {
  std::map<std::string, std::string> r;
  for (const Node& n : sg.nodes) {
    if (n.dead || opInfo(n.op).category == OpCategory::Source) continue;
    Status st = cuda::checkNode(sg, n);
    if (!st.isOk()) r.emplace(opName(n.op), st.message());
  }
  return r;
}

std::set<std::string> names(const std::map<std::string, std::string>& m) {
  std::set<std::string> s;
  for (auto& [k, v] : m)
    s.insert(k);
  return s;
}

std::string describe(const std::map<std::string, std::string>& m) {
  std::string s;
  for (auto& [k, v] : m)
    s += "\n  " + v;
  return s;
}

Expected<Graph> inferenceGraph(SourceManager& sm, const std::string& file,
                               std::vector<int64_t> shape) {
  CompileOptions opt;
  LLIE_ASSIGN_OR_RETURN(CompiledModel m, compileModel(sm, repoPath("models/" + file), opt));
  return specializeGraph(m.graph, {{"x", shape}});
}

Expected<Graph> trainingGraph(SourceManager& sm, const std::string& file, const std::string& entry,
                              const InputShapes& shapes) {
  CompileOptions opt;
  opt.elab.entry = entry;
  LLIE_ASSIGN_OR_RETURN(CompiledModel m, compileModel(sm, repoPath("models/" + file), opt));
  LLIE_ASSIGN_OR_RETURN(Graph step, buildTrainingStep(m.graph, {}));
  return specializeGraph(step, shapes);
}

TEST(CudaModelCoverage, ZeroDceInferenceIsAcceptedWhole) {
  SourceManager sm;
  auto g = inferenceGraph(sm, "zero_dce.llie", {1, 3, 64, 64});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  EXPECT_TRUE(r.empty()) << describe(r);
}

TEST(CudaModelCoverage, ZeroDceTrainingStepIsAcceptedWhole) {
  SourceManager sm;
  auto g = trainingGraph(sm, "zero_dce.llie", "ZeroDCETrain", {{"x", {2, 3, 32, 32}}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  EXPECT_TRUE(r.empty()) << describe(r);
}

TEST(CudaModelCoverage, FlagshipInferenceIsAcceptedWhole) {
  SourceManager sm;
  auto g = inferenceGraph(sm, "sadfpn_unet.llie", {1, 3, 64, 64});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  EXPECT_TRUE(r.empty()) << describe(r);
}

TEST(CudaModelCoverage, FlagshipTrainingStepRefusals) {
  SourceManager sm;
  auto g = trainingGraph(sm, "sadfpn_unet.llie", "SADFPNTrain",
                         {{"x", {2, 3, 32, 32}}, {"gt", {2, 3, 32, 32}}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  std::set<std::string> want = {"greater_equal", "where"};
  EXPECT_EQ(names(r), want) << describe(r);
}

} // namespace
} // namespace llie
