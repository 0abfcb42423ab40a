// Which ops of the shipped models the cuda backend accepts, checked without a device through
// cuda::checkNode on the specialised graphs the executor would prepare: the inference graphs and
// the whole training steps (forward, losses, gradients, optimizer update) of Zero-DCE and of
// the flagship (SADFPN-UNet) are accepted, every node. A refusal lists the op and why.
#include "backends/cuda/cuda_backend.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/specialize.h"
#include "runtime/model.h"

#include <gtest/gtest.h>

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

TEST(CudaModelCoverage, FlagshipTrainingStepIsAcceptedWhole) {
  SourceManager sm;
  auto g = trainingGraph(sm, "sadfpn_unet.llie", "SADFPNTrain",
                         {{"x", {2, 3, 32, 32}}, {"gt", {2, 3, 32, 32}}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  EXPECT_TRUE(r.empty()) << describe(r);
  // The step's batchnorms carry fused activations (fuse-batchnorm-activation), forward and
  // backward, so the epilogue forms of the cuda batchnorm kernels are among those accepted.
  int fusedTrain = 0, fusedGrad = 0;
  for (const Node& n : g->nodes) {
    if (n.dead) continue;
    bool fused = (n.op == OpKind::BatchNormTrain || n.op == OpKind::BatchNormGrad) &&
                 attrsOf<NormAttrs>(n).epilogue != Epilogue::None;
    fusedTrain += fused && n.op == OpKind::BatchNormTrain;
    fusedGrad += fused && n.op == OpKind::BatchNormGrad;
  }
  EXPECT_GT(fusedTrain, 0);
  EXPECT_GT(fusedGrad, 0);
}

} // namespace
} // namespace llie
