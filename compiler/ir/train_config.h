// The training settings a train entry declares (`optimizer = adam(lr=1e-3)`, `schedule =
// cosine()`, `warmup = linear(steps=100)`, `clip_grad_norm = 0.1`, `batch = 4`, ...), typed.
// The elaborator fills it (reporting unknown settings and keywords at their .llie spans), the
// plan stores it, the autodiff pass reads the optimizer and clipping from it, and the trainer
// reads the rest; `llie-run train --set-train` style overrides replace single fields.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llie {

enum class OptimizerKind : uint8_t { Sgd, Adam, AdamW };
enum class ScheduleKind : uint8_t { Constant, Step, MultiStep, Cosine };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Adam;
  double lr = 1e-3;
  double weightDecay = 0.0;          ///< AdamW's default is 1e-2, set by the elaborator
  double momentum = 0.0, dampening = 0.0; ///< SGD
  bool nesterov = false;             ///< SGD
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8; ///< Adam, AdamW
  bool operator==(const OptimizerConfig&) const = default;
};

/// The learning rate as a function of the optimizer step: a decay (PyTorch's StepLR, MultiStepLR,
/// CosineAnnealingLR) times an optional linear warm-up (LinearLR: the factor goes linearly from
/// warmupStartFactor to 1 over warmupSteps steps).
struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::Constant;
  int64_t stepSize = 1;               ///< Step: decay every stepSize steps
  std::vector<int64_t> milestones;    ///< MultiStep
  double gamma = 0.1;                 ///< Step, MultiStep
  int64_t tMax = 0;                   ///< Cosine: period in steps; 0 = the run's length
  double etaMin = 0.0;                ///< Cosine
  int64_t warmupSteps = 0;
  double warmupStartFactor = 1.0 / 3.0;
  bool operator==(const ScheduleConfig&) const = default;
};

struct TrainConfig {
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  double clipGradNorm = 0.0; ///< 0 = no clipping (global L2 norm of every gradient)
  int64_t batch = 4;
  int64_t crop = 256;
  int64_t steps = 0;  ///< 0 = use epochs
  int64_t epochs = 1;
  int64_t evalEvery = 0;       ///< 0 = only at the end
  int64_t checkpointEvery = 0; ///< 0 = only at the end
  std::vector<std::string> freeze; ///< parameter name prefixes that are not trained
  bool operator==(const TrainConfig&) const = default;
};

/// The learning rate for the optimizer step that follows `step` completed steps, in a run of
/// `totalSteps` steps; equal to what PyTorch's schedulers give (SequentialLR-free chaining:
/// warm-up factor times decay).
double learningRate(const TrainConfig& c, int64_t step, int64_t totalSteps);

} // namespace llie
