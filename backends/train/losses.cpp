// The pointwise losses, mean-reduced to a scalar, and their gradient with respect to the first
// input, with PyTorch's definitions (d = a − b, z = |d|, N = numel); term, then d term / d a:
//   l1_loss          z; sign(d) (0 at d = 0)
//   mse_loss         d²; 2d
//   smooth_l1_loss   z < β ? 0.5·d²/β : z − 0.5β; d/β clipped to [−1, 1] (β = 0: l1_loss)
//   huber_loss       z < δ ? 0.5·d² : δ(z − 0.5δ); d clipped to [−δ, δ]
//   bce_with_logits  (1 − t)x + m + log(e^−m + e^(−x−m)) with m = max(−x, 0); sigmoid(x) − t
//                    (x = a, the logits; t = b, the targets)
// The loss sums in double (OpenMP reduction) and divides by N; loss_grad(a, b, dy) multiplies by
// dy/N (dy the loss's scalar gradient). β is LossAttrs.beta (LossGradAttrs.beta for the
// gradient) for smooth_l1 and huber's δ; bce_with_logits has none. Like PyTorch, β < 0 for
// smooth_l1 and δ <= 0 for huber are refused.
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace llie::train {
namespace {

enum class Loss { L1, Mse, SmoothL1, Huber, Bce };

std::optional<Loss> lossFromName(const std::string& s) {
  if (s == "l1_loss") return Loss::L1;
  if (s == "mse_loss") return Loss::Mse;
  if (s == "smooth_l1_loss") return Loss::SmoothL1;
  if (s == "huber_loss") return Loss::Huber;
  if (s == "bce_with_logits") return Loss::Bce;
  return std::nullopt;
}

double sgn(double x) {
  return static_cast<double>((0 < x) - (x < 0));
}

/// A loss kernel: out = Σ f(a[i], b[i]) / N in double.
template <class F> std::unique_ptr<Kernel> lossKernel(F f) {
  return kernels::makeFnKernel([f](const auto& in, const auto& out) {
    const float* a = in[0]->f32();
    const float* b = in[1]->f32();
    const int64_t count = in[0]->numel();
    double sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static) if (count > kParallelMin)
    for (int64_t i = 0; i < count; ++i)
      sum += f(double(a[i]), double(b[i]));
    out[0]->f32()[0] = static_cast<float>(sum / static_cast<double>(count));
  });
}

/// A loss-gradient kernel: da[i] = (dy/N)·f(a[i], b[i]).
template <class F> std::unique_ptr<Kernel> gradKernel(F f) {
  return kernels::makeFnKernel([f](const auto& in, const auto& out) {
    const float* a = in[0]->f32();
    const float* b = in[1]->f32();
    float* da = out[0]->f32();
    const int64_t count = out[0]->numel();
    const double scale = static_cast<double>(scalarOf(in[2])) / static_cast<double>(count);
    parallelFor(count, [&](int64_t i) {
      da[i] = static_cast<float>(scale * f(double(a[i]), double(b[i])));
    });
  });
}

/// The value of the loss (Grad = false) or its derivative in a (Grad = true).
template <bool Grad> std::unique_ptr<Kernel> build(Loss loss, double beta) {
  auto make = [](auto f) { return Grad ? gradKernel(f) : lossKernel(f); };
  switch (loss) {
  case Loss::L1:
    return make([](double a, double b) { return Grad ? sgn(a - b) : std::fabs(a - b); });
  case Loss::Mse:
    return make([](double a, double b) { return Grad ? 2.0 * (a - b) : (a - b) * (a - b); });
  case Loss::SmoothL1:
    if (beta == 0.0) return build<Grad>(Loss::L1, 0.0);
    return make([beta](double a, double b) {
      double d = a - b, z = std::fabs(d);
      if (Grad) return d < -beta ? -1.0 : (d > beta ? 1.0 : d / beta);
      return z < beta ? 0.5 * d * d / beta : z - 0.5 * beta;
    });
  case Loss::Huber:
    return make([beta](double a, double b) {
      double d = a - b, z = std::fabs(d);
      if (Grad) return d <= -beta ? -beta : (d >= beta ? beta : d);
      return z < beta ? 0.5 * d * d : beta * (z - 0.5 * beta);
    });
  case Loss::Bce:
    return make([](double x, double t) {
      if (Grad) return 1.0 / (1.0 + std::exp(-x)) - t;
      double m = std::max(-x, 0.0);
      return (1.0 - t) * x + m + std::log(std::exp(-m) + std::exp(-x - m));
    });
  }
  return nullptr;
}

std::string checkBeta(Loss loss, double beta) {
  if (loss == Loss::SmoothL1 && !(beta >= 0)) return "smooth_l1_loss needs beta >= 0";
  if (loss == Loss::Huber && !(beta > 0)) return "huber_loss needs delta > 0";
  return "";
}

} // namespace

Expected<std::unique_ptr<Kernel>> makePointLoss(const Graph& g, const Node& n) {
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1);
  if (a != b || numel(kernels::outShape(g, n)) != 1)
    return kernels::badNode(n, "inputs must share a shape and the result must be a scalar");
  Loss loss = n.op == OpKind::L1Loss         ? Loss::L1
              : n.op == OpKind::MseLoss      ? Loss::Mse
              : n.op == OpKind::SmoothL1Loss ? Loss::SmoothL1
              : n.op == OpKind::HuberLoss    ? Loss::Huber
                                             : Loss::Bce;
  double beta = loss == Loss::Bce ? 0.0 : attrsOf<LossAttrs>(n).beta;
  if (std::string why = checkBeta(loss, beta); !why.empty()) return kernels::badNode(n, why);
  return build<false>(loss, beta);
}

Expected<std::unique_ptr<Kernel>> makeLossGrad(const Graph& g, const Node& n) {
  const auto& at = attrsOf<LossGradAttrs>(n);
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1);
  if (a != b || kernels::outShape(g, n) != a || numel(kernels::inShape(g, n, 2)) != 1)
    return kernels::badNode(n, "a, b and the result must share a shape and dy be a scalar");
  auto loss = lossFromName(at.op);
  if (!loss) return kernels::badNode(n, "no gradient for loss '" + at.op + "'");
  if (std::string why = checkBeta(*loss, at.beta); !why.empty()) return kernels::badNode(n, why);
  return build<true>(*loss, at.beta);
}

} // namespace llie::train
