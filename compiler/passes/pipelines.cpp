// The pass registry and the default pipelines (see pipelines.h).
#include "compiler/passes/pipelines.h"
#include "compiler/autodiff/loss_gradients.h"
#include "compiler/autodiff/optimizer_update.h"
#include "compiler/autodiff/training_mode.h"
#include "compiler/passes/batchnorm_to_affine.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/dead_code_elim.h"
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_batchnorm_activation.h"
#include "compiler/passes/fuse_depthwise.h"
#include "compiler/passes/fuse_elementwise.h"
#include "compiler/passes/fuse_epilogue.h"
#include "compiler/passes/fuse_residual.h"
#include "compiler/passes/rematerialize.h"

#include <algorithm>

namespace llie {

std::vector<PassInfo> registeredPasses(const TrainingStepOptions& training) {
  bool keepGrads = training.exposeGradients;
  return {
      {"training-mode", Artifacts::Training,
       "batchnorm -> batchnorm_train with running-statistics assigns; drop_path -> "
       "drop_path_train",
       [](Graph& g) { return toTrainingMode(g); }},
      {"backward", Artifacts::Training,
       "sum the loss terms into 'loss' and append its gradient for every trainable parameter "
       "(outputs grad.<param>)",
       [](Graph& g) { return appendLossGradients(g); }},
      {"optimizer-update", Artifacts::Training,
       "clip the gradients by global norm and append the optimizer update of every parameter",
       [keepGrads](Graph& g) { return updateParameters(g, keepGrads); }},
      {"rematerialize", Artifacts::Training,
       "recompute cheap forward activations (elementwise ops, batchnorm_train's output) right "
       "before their backward readers instead of keeping them alive across the step",
       [](Graph& g) -> Expected<int> { return rematerialize(g); }},
      {"fuse-batchnorm-activation", Artifacts::Training,
       "batchnorm_train|batchnorm -> relu|relu6: the activation becomes the batchnorm's "
       "epilogue, and its gradient mask moves into batchnorm_grad (recomputed there from x)",
       [](Graph& g) -> Expected<int> { return fuseBatchNormActivation(g); }},
      {"fold-batchnorm", Artifacts::Inference,
       "conv2d -> batchnorm: the conv's weight and bias absorb the batchnorm (W * a, (b - mean) * "
       "a + beta, a = gamma / sqrt(var + eps)), computed once per weight load",
       [](Graph& g) -> Expected<int> { return foldBatchNorm(g); }},
      {"fuse-residual", Artifacts::Inference,
       "add(r, conv2d(x)) -> conv2d(x, ..., r): the residual is summed into the conv's result "
       "before its epilogue, in place over r where r dies there",
       [](Graph& g) -> Expected<int> { return fuseResidual(g); }},
      {"fuse-epilogue", Artifacts::Inference,
       "conv2d/matmul -> relu|relu6|sigmoid|tanh|leaky_relu|clamp(0,6): the activation becomes "
       "the conv's epilogue",
       [](Graph& g) -> Expected<int> { return fuseEpilogue(g); }},
      {"fuse-depthwise", Artifacts::Inference,
       "conv2d 1x1 -> depthwise conv2d 3x3: one conv with a fused depthwise stage, so the "
       "expanded tensor between them is never written to memory",
       [](Graph& g) -> Expected<int> { return fuseDepthwise(g); }},
      {"cse", Artifacts::Both, "merge nodes with the same op, attributes and inputs",
       [](Graph& g) -> Expected<int> { return eliminateCommonSubexpressions(g); }},
      {"fuse-elementwise", Artifacts::Inference,
       "chains of f32 elementwise ops whose intermediate results nothing else reads -> one "
       "fused_elementwise node (one pass over memory)",
       [](Graph& g) -> Expected<int> { return fuseElementwise(g); }},
      {"batchnorm-to-affine", Artifacts::Inference,
       "a batchnorm not after a conv -> x * a + c with per-channel a, c computed once per weight "
       "load (not in the default pipeline: slower than the batchnorm kernel on the cpu)",
       [](Graph& g) -> Expected<int> { return batchNormToAffine(g); }},
      {"dce", Artifacts::Both, "remove nodes whose values reach no output or state write",
       [](Graph& g) -> Expected<int> { return eliminateDeadCode(g); }},
  };
}

std::vector<std::string> inferencePipeline() {
  return {"fold-batchnorm",
          "fuse-residual",
          "fuse-epilogue",
          "fuse-depthwise",
          "cse",
          "fuse-elementwise",
          "dce"};
}

std::vector<std::string> trainEntryPipeline() {
  return {"dce"};
}

std::vector<std::string> trainingPipeline(const TrainingStepOptions& training) {
  if (!training.applyOptimizer)
    return {"training-mode", "backward", "rematerialize", "fuse-batchnorm-activation", "dce"};
  return {"training-mode",    "backward", "rematerialize", "fuse-batchnorm-activation",
          "optimizer-update", "dce"};
}

Expected<std::vector<PassInfo>> passesNamed(const std::vector<std::string>& names,
                                            const TrainingStepOptions& training) {
  std::vector<PassInfo> all = registeredPasses(training);
  std::vector<PassInfo> out;
  for (auto& name : names) {
    auto it =
        std::find_if(all.begin(), all.end(), [&](const PassInfo& p) { return p.name == name; });
    if (it == all.end()) {
      std::string known;
      for (auto& p : all)
        known += (known.empty() ? "" : ", ") + p.name;
      return Status::error("unknown pass '" + name + "'; the passes are: " + known);
    }
    out.push_back(*it);
  }
  return out;
}

Status runPipeline(Graph& g, const std::vector<std::string>& names, const PassOptions& options,
                   const SourceManager* sm, const TrainingStepOptions& training) {
  LLIE_ASSIGN_OR_RETURN(auto passes, passesNamed(names, training));
  return runPasses(g, passes, options, sm);
}

} // namespace llie
