// Learning-rate schedules (learningRate in compiler/ir/train_config.h), which the trainer feeds to
// the training step and which a resumed run recomputes from the step alone. Each schedule is
// checked against (1) its closed form written out here, with a few hand-computed values, and
// (2) a step-by-step replay of PyTorch's own recursive ("chainable") update rules of StepLR,
// MultiStepLR, CosineAnnealingLR and LinearLR (torch/optim/lr_scheduler.py, get_lr), chained as
// ChainedScheduler does, so "the values PyTorch's schedulers produce" is checked, not assumed.
#include "compiler/ir/train_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace llie;

namespace {

constexpr double kPi = 3.14159265358979323846;

TrainConfig config(double lr, ScheduleKind kind) {
  TrainConfig c;
  c.optimizer.lr = lr;
  c.schedule.kind = kind;
  return c;
}

/// PyTorch's recursive schedulers, one optimizer param group, replayed from step 0. Each
/// scheduler's get_lr() reads the group's current lr (left by the previous scheduler in the
/// chain) and returns the new one; `last_epoch` is the step.
struct TorchReplay {
  double base, lr;
  explicit TorchReplay(double base) : base(base), lr(base) {}
  // StepLR.get_lr
  double stepLR(int64_t t, int64_t stepSize, double gamma) const {
    if (t == 0 || t % stepSize != 0) return lr;
    return lr * gamma;
  }
  // MultiStepLR.get_lr (milestones as a Counter)
  double multiStepLR(int64_t t, const std::vector<int64_t>& ms, double gamma) const {
    int64_t k = std::count(ms.begin(), ms.end(), t);
    return k == 0 ? lr : lr * std::pow(gamma, static_cast<double>(k));
  }
  // CosineAnnealingLR.get_lr
  double cosineLR(int64_t t, int64_t T, double etaMin) const {
    if (t == 0) return lr;
    if ((t - 1 - T) % (2 * T) == 0) return lr + (base - etaMin) * (1 - std::cos(kPi / T)) / 2;
    return (1 + std::cos(kPi * t / T)) / (1 + std::cos(kPi * (t - 1) / T)) * (lr - etaMin) + etaMin;
  }
  // LinearLR.get_lr with end_factor = 1
  double linearLR(int64_t t, double start, int64_t total) const {
    if (t == 0) return lr * start;
    if (t > total) return lr;
    return lr * (1.0 + (1.0 - start) / (total * start + (t - 1) * (1.0 - start)));
  }
};

} // namespace

TEST(Schedule, ConstantIsTheBaseRate) {
  TrainConfig c = config(3e-4, ScheduleKind::Constant);
  for (int64_t t : {0, 1, 7, 999})
    EXPECT_EQ(learningRate(c, t, 1000), 3e-4);
}

TEST(Schedule, StepLRClosedForm) {
  TrainConfig c = config(0.1, ScheduleKind::Step);
  c.schedule.stepSize = 3;
  c.schedule.gamma = 0.5;
  // lr_t = lr * gamma^floor(t / step_size)
  EXPECT_DOUBLE_EQ(learningRate(c, 0, 100), 0.1);
  EXPECT_DOUBLE_EQ(learningRate(c, 2, 100), 0.1);
  EXPECT_DOUBLE_EQ(learningRate(c, 3, 100), 0.05);
  EXPECT_DOUBLE_EQ(learningRate(c, 5, 100), 0.05);
  EXPECT_DOUBLE_EQ(learningRate(c, 6, 100), 0.025);
  TorchReplay torch(0.1);
  for (int64_t t = 0; t < 40; ++t) {
    torch.lr = torch.stepLR(t, 3, 0.5);
    const double closed = 0.1 * std::pow(0.5, std::floor(t / 3.0));
    EXPECT_NEAR(learningRate(c, t, 100), closed, 1e-15) << "t=" << t;
    EXPECT_NEAR(learningRate(c, t, 100), torch.lr, 1e-15) << "t=" << t;
  }
}

TEST(Schedule, MultiStepLRClosedForm) {
  TrainConfig c = config(1.0, ScheduleKind::MultiStep);
  c.schedule.milestones = {5, 8, 8, 20}; // a repeated milestone decays twice, as in PyTorch
  c.schedule.gamma = 0.1;
  EXPECT_DOUBLE_EQ(learningRate(c, 4, 100), 1.0);
  EXPECT_DOUBLE_EQ(learningRate(c, 5, 100), 0.1);
  EXPECT_DOUBLE_EQ(learningRate(c, 7, 100), 0.1);
  EXPECT_NEAR(learningRate(c, 8, 100), 1e-3, 1e-18);
  EXPECT_NEAR(learningRate(c, 20, 100), 1e-4, 1e-18);
  TorchReplay torch(1.0);
  for (int64_t t = 0; t < 30; ++t) {
    torch.lr = torch.multiStepLR(t, c.schedule.milestones, 0.1);
    // lr_t = lr * gamma^(number of milestones <= t)
    int64_t passed = 0;
    for (int64_t m : c.schedule.milestones)
      passed += m <= t;
    EXPECT_NEAR(learningRate(c, t, 100), std::pow(0.1, static_cast<double>(passed)), 1e-15);
    EXPECT_NEAR(learningRate(c, t, 100), torch.lr, 1e-15) << "t=" << t;
  }
}

TEST(Schedule, CosineAnnealingClosedForm) {
  TrainConfig c = config(0.01, ScheduleKind::Cosine);
  c.schedule.tMax = 10;
  c.schedule.etaMin = 1e-4;
  // eta_t = eta_min + (lr - eta_min)(1 + cos(pi t / T)) / 2
  EXPECT_DOUBLE_EQ(learningRate(c, 0, 1000), 0.01);
  EXPECT_NEAR(learningRate(c, 5, 1000), 1e-4 + (0.01 - 1e-4) / 2, 1e-16); // cos(pi/2) = 0
  EXPECT_NEAR(learningRate(c, 10, 1000), 1e-4, 1e-16);
  TorchReplay torch(0.01);
  for (int64_t t = 0; t <= 10; ++t) {
    torch.lr = torch.cosineLR(t, 10, 1e-4);
    const double closed = 1e-4 + (0.01 - 1e-4) * (1 + std::cos(kPi * t / 10.0)) / 2;
    EXPECT_NEAR(learningRate(c, t, 1000), closed, 1e-15) << "t=" << t;
    EXPECT_NEAR(learningRate(c, t, 1000), torch.lr, 1e-15) << "t=" << t;
  }
}

TEST(Schedule, CosineWithoutTMaxSpansTheRun) {
  TrainConfig c = config(1.0, ScheduleKind::Cosine); // tMax = 0: T = the run's length
  for (int64_t t = 0; t <= 40; ++t)
    EXPECT_NEAR(learningRate(c, t, 40), (1 + std::cos(kPi * t / 40.0)) / 2, 1e-15) << t;
  EXPECT_NEAR(learningRate(c, 20, 40), 0.5, 1e-15);
  EXPECT_NEAR(learningRate(c, 10, 40), (1 + std::sqrt(0.5)) / 2, 1e-15);
}

TEST(Schedule, LinearWarmupClosedForm) {
  TrainConfig c = config(0.3, ScheduleKind::Constant);
  c.schedule.warmupSteps = 3;
  c.schedule.warmupStartFactor = 1.0 / 3.0;
  // factor_t = f + (1 - f) * min(t, W) / W
  EXPECT_NEAR(learningRate(c, 0, 100), 0.1, 1e-16);
  EXPECT_NEAR(learningRate(c, 1, 100), 0.3 * 5.0 / 9.0, 1e-16);
  EXPECT_NEAR(learningRate(c, 2, 100), 0.3 * 7.0 / 9.0, 1e-16);
  EXPECT_DOUBLE_EQ(learningRate(c, 3, 100), 0.3);
  EXPECT_DOUBLE_EQ(learningRate(c, 50, 100), 0.3);
  TorchReplay torch(0.3);
  for (int64_t t = 0; t < 10; ++t) {
    torch.lr = torch.linearLR(t, 1.0 / 3.0, 3);
    EXPECT_NEAR(learningRate(c, t, 100), torch.lr, 1e-15) << "t=" << t;
  }
}

TEST(Schedule, WarmupChainedWithStepDecay) {
  TrainConfig c = config(0.2, ScheduleKind::Step);
  c.schedule.stepSize = 4;
  c.schedule.gamma = 0.5;
  c.schedule.warmupSteps = 6;
  c.schedule.warmupStartFactor = 0.25;
  TorchReplay torch(0.2); // ChainedScheduler([LinearLR, StepLR])
  for (int64_t t = 0; t < 20; ++t) {
    torch.lr = torch.linearLR(t, 0.25, 6);
    torch.lr = torch.stepLR(t, 4, 0.5);
    const double closed = 0.2 * std::pow(0.5, std::floor(t / 4.0)) *
                          (0.25 + 0.75 * std::min<double>(static_cast<double>(t), 6.0) / 6.0);
    EXPECT_NEAR(learningRate(c, t, 100), closed, 1e-15) << "t=" << t;
    EXPECT_NEAR(learningRate(c, t, 100), torch.lr, 1e-15) << "t=" << t;
  }
  EXPECT_NEAR(learningRate(c, 4, 100), 0.2 * 0.5 * (0.25 + 0.75 * 4 / 6.0), 1e-16);
}

TEST(Schedule, WarmupChainedWithCosine) {
  TrainConfig c = config(1e-3, ScheduleKind::Cosine);
  c.schedule.warmupSteps = 5;
  c.schedule.warmupStartFactor = 0.1;
  TorchReplay torch(1e-3); // ChainedScheduler([LinearLR, CosineAnnealingLR(T_max=50)])
  for (int64_t t = 0; t <= 50; ++t) {
    torch.lr = torch.linearLR(t, 0.1, 5);
    torch.lr = torch.cosineLR(t, 50, 0.0);
    const double closed = 1e-3 * (1 + std::cos(kPi * t / 50.0)) / 2 *
                          (0.1 + 0.9 * std::min<double>(static_cast<double>(t), 5.0) / 5.0);
    EXPECT_NEAR(learningRate(c, t, 50), closed, 1e-17) << "t=" << t;
    EXPECT_NEAR(learningRate(c, t, 50), torch.lr, 1e-17) << "t=" << t;
  }
}

TEST(Schedule, DependsOnlyOnTheStep) {
  // What a resumed run relies on: the rate for step t is the same whatever came before.
  TrainConfig c = config(5e-4, ScheduleKind::Cosine);
  c.schedule.warmupSteps = 10;
  std::vector<double> forward, backward;
  for (int64_t t = 0; t < 100; ++t)
    forward.push_back(learningRate(c, t, 100));
  for (int64_t t = 99; t >= 0; --t)
    backward.push_back(learningRate(c, t, 100));
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(forward, backward);
}
