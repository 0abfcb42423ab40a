// Learning-rate schedules (see train_config.h), in closed form so that resuming at any step
// gives the same rate as an uninterrupted run.
#include "compiler/ir/train_config.h"

#include <algorithm>
#include <cmath>

namespace llie {

double learningRate(const TrainConfig& c, int64_t step, int64_t totalSteps) {
  const ScheduleConfig& s = c.schedule;
  double lr = c.optimizer.lr;
  switch (s.kind) {
  case ScheduleKind::Constant:
    break;
  case ScheduleKind::Step:
    lr *= std::pow(s.gamma, static_cast<double>(step / std::max<int64_t>(s.stepSize, 1)));
    break;
  case ScheduleKind::MultiStep: {
    int64_t passed = 0;
    for (int64_t m : s.milestones) passed += step >= m;
    lr *= std::pow(s.gamma, static_cast<double>(passed));
    break;
  }
  case ScheduleKind::Cosine: {
    int64_t T = s.tMax > 0 ? s.tMax : std::max<int64_t>(totalSteps, 1);
    double t = static_cast<double>(std::min(step, T));
    lr = s.etaMin + (lr - s.etaMin) * (1.0 + std::cos(M_PI * t / static_cast<double>(T))) / 2.0;
    break;
  }
  }
  if (s.warmupSteps > 0 && step < s.warmupSteps)
    lr *= s.warmupStartFactor +
          (1.0 - s.warmupStartFactor) * static_cast<double>(step) / static_cast<double>(s.warmupSteps);
  return lr;
}

} // namespace llie
