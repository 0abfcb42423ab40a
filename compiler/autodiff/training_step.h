// The training step as one graph. From an elaborated train entry (its loss terms are the
// outputs "loss.<name>"), buildTrainingStep() makes the graph a trainer runs once per batch by
// running the training pipeline (compiler/passes/pipelines.h) through the pass manager:
//   1. training-mode: the forward in training mode (batchnorm -> batchnorm_train, running
//      statistics written back by `assign`),
//   2. backward: the total loss, output "loss" (the sum of the terms, which stay outputs too),
//      and the reverse-mode gradient of it with respect to every trainable parameter, built
//      from per-op gradient rules (grad_rules.h),
//   3. optimizer-update: gradient clipping by global norm and the optimizer update of every
//      parameter, written back by `assign`s at the very end of the graph,
//   4. dce.
// The result reads two scalar inputs besides the entry's own: "lr" (this step's learning rate,
// from the schedule) and "step" (the number of optimizer steps already taken).
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/passes/pass_manager.h"
#include "compiler/support/status.h"

namespace llie {

struct TrainingStepOptions {
  /// Also output every parameter's gradient as "grad.<param name>" (parity tests, debugging).
  bool exposeGradients = false;
  /// Append clipping and the optimizer update; off = forward and backward only, whose
  /// gradients are then always outputs (they are the step's result).
  bool applyOptimizer = true;
};

/// `passes` gives the pipeline dumps, verification, a stop and timing (llie-compile's flags).
Expected<Graph> buildTrainingStep(const Graph& elaborated, const TrainingStepOptions& options,
                                  const PassOptions& passes = {},
                                  const SourceManager* sm = nullptr);

} // namespace llie
