// Which ops of the shipped models the cuda backend accepts, checked without a device through
// cuda::checkNode on the specialised graphs the executor would prepare: the inference graphs and
// the whole training steps (forward, losses, gradients, optimizer update) of Zero-DCE and of
// the flagship (SADFPN-UNet) are accepted, every node, as is the training step of a small model
// with prelu layers, MBLLEN's region loss (kth_value) and argmax. A refusal lists the op and why.
#include "backends/cuda/cuda_backend.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/specialize.h"
#include "compiler/support/diagnostics.h"
#include "runtime/model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

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

/// A small training entry with what the shipped models do not use: prelu layers (one slope and
/// one per channel), MBLLEN's region loss (kth_value) and hard distillation (argmax), written to
/// a scratch folder so that std/losses.llie resolves from models/.
constexpr const char* kSelectionModel = R"(import "std/losses.llie"
model P(x: [N, 3, H, W]) -> (y, z) {
  h = x |> conv2d(8, 3, padding=1, name="c1") |> prelu(num_parameters=8)
  s = h |> conv2d(8, 3, padding=1, name="c2") |> prelu()
  y = s |> conv2d(3, 3, padding=1, name="c3") |> sigmoid()
  z = s |> conv2d(4, 1, name="cls")
}
train PTrain(x: [N, 3, H, W], gt: [N, 3, H, W]) {
  net = P(x)
  loss region = RegionLoss(net.y, gt)
  loss hard = cross_entropy(net.z, argmax(stop_grad(net.z), axis=1))
  optimizer = adam(lr=1e-4)
}
)";

TEST(CudaModelCoverage, PreluRegionLossAndArgmaxTrainingStepIsAcceptedWhole) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("llie-cuda-coverage-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream((dir / "p.llie").string()) << kSelectionModel;
  SourceManager sm;
  CompileOptions opt;
  opt.elab.entry = "PTrain";
  opt.searchPaths = {repoPath("models")};
  auto m = compileModel(sm, (dir / "p.llie").string(), opt);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(m.ok()) << renderStatus(sm, m.status());
  auto step = buildTrainingStep(m->graph, {});
  ASSERT_TRUE(step.ok()) << step.status().message();
  auto g = specializeGraph(*step, {{"x", {2, 3, 16, 16}}, {"gt", {2, 3, 16, 16}}});
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = refused(*g);
  EXPECT_TRUE(r.empty()) << describe(r);
  // The ops this test is for are in the step: prelu (forward; its gradient is greater, where,
  // mul and sums), kth_value and argmax.
  int prelu = 0, kth = 0, argmax = 0;
  for (const Node& n : g->nodes) {
    if (n.dead) continue;
    prelu += n.op == OpKind::Prelu ||
             (n.op == OpKind::FusedElementwise &&
              attrsOf<FusedElementwiseAttrs>(n).expr.find("prelu") != std::string::npos);
    kth += n.op == OpKind::KthValue;
    argmax += n.op == OpKind::ArgMax;
  }
  EXPECT_GT(prelu, 0);
  EXPECT_EQ(kth, 1);
  EXPECT_EQ(argmax, 1);
}

} // namespace
} // namespace llie
