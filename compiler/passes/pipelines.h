// The registry of named passes and the default pipelines, as ordered lists of names. Adding a
// pass is one entry in registeredPasses() (pipelines.cpp) and its name in a pipeline below.
#pragma once
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/pass_manager.h"

#include <string>
#include <vector>

namespace llie {

/// Every pass llie has, in the order --list-passes shows them. Some passes read options of the
/// training step (optimizer-update keeps the gradient outputs when asked to).
std::vector<PassInfo> registeredPasses(const TrainingStepOptions& training = {});

/// A model entry, compiled for inference (and plans).
std::vector<std::string> inferencePipeline();
/// A train entry as written, before llie-run makes its training step (plans of train entries):
/// only the passes valid for both artifacts.
std::vector<std::string> trainEntryPipeline();
/// A train entry's training step: training mode, backward, optimizer update (unless
/// applyOptimizer is off), clean-up.
std::vector<std::string> trainingPipeline(const TrainingStepOptions& training = {});

/// The registered passes of these names, in this order; an unknown name is an error listing
/// the registered ones.
Expected<std::vector<PassInfo>> passesNamed(const std::vector<std::string>& names,
                                            const TrainingStepOptions& training = {});

/// passesNamed() then runPasses().
Status runPipeline(Graph& g, const std::vector<std::string>& names, const PassOptions& options,
                   const SourceManager* sm = nullptr, const TrainingStepOptions& training = {});

} // namespace llie
