// The classification losses cross_entropy and kl_div (forward, mean over the samples) and
// class_loss_grad, their gradient with respect to the logits; semantics in ops.def. The class
// axis splits the logits into outer × K × inner: sample (o, i) reads z[(o·K + k)·inner + i].
// Per sample, log softmax is z − logsumexp(z) with the maximum subtracted first; everything is
// computed in double (the loss sums over samples with an OpenMP reduction), so these kernels are
// their own oracle. With the smoothed target t̃ = (1 − ε)·t + ε/K (t one-hot or a distribution):
//   cross_entropy   −Σ_k t̃_k log p_k;                      d/dz_k = (Σ t̃)·p_k − t̃_k
//   kl_div          τ²·Σ_k q_k (log q_k − log p_k), p = softmax(z/τ), q = softmax(t/τ);
//                                                          d/dz_k = τ·(p_k − q_k)
// each divided by the sample count (and times dy for the gradient). A class index outside
// [0, K) makes its sample's loss and gradient NaN (the kernels cannot report an error).
#include "backends/train/train_kernels.h"

#include "backends/train/train_loops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace llie::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The logits as outer × K × inner around the class axis.
struct ClassLayout {
  int64_t outer = 1, classes = 1, inner = 1;
  int64_t samples() const { return outer * inner; }
  /// Offset of class 0 of sample s (s = o·inner + i); classes are `inner` apart.
  int64_t base(int64_t s) const { return (s / inner) * classes * inner + s % inner; }
};

ClassLayout layoutOf(const Dims& z, int64_t axis) {
  ClassLayout l;
  for (int64_t d = 0; d < static_cast<int64_t>(z.size()); ++d)
    (d < axis ? l.outer : d == axis ? l.classes : l.inner) *= z[d];
  return l;
}

/// What the second input holds.
enum class Target { Indices, Distribution, TeacherLogits };

struct Setup {
  ClassLayout lay;
  Target target = Target::Distribution;
  double eps = 0.0; ///< label smoothing
  double tau = 1.0; ///< temperature (kl_div)
};

/// log Σ_k exp(z_k / τ) over one sample's classes.
double logSumExp(const float* z, const ClassLayout& l, double tau) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < l.classes; ++k)
    m = std::max(m, double(z[k * l.inner]) / tau);
  if (!std::isfinite(m)) return m;
  double s = 0;
  for (int64_t k = 0; k < l.classes; ++k)
    s += std::exp(double(z[k * l.inner]) / tau - m);
  return m + std::log(s);
}

/// The smoothed target of one sample at class k: index c (t == nullptr) or distribution t.
double smoothed(const Setup& s, const float* t, int64_t c, int64_t k) {
  const double tk = t ? double(t[k * s.lay.inner]) : (k == c ? 1.0 : 0.0);
  return (1.0 - s.eps) * tk + s.eps / static_cast<double>(s.lay.classes);
}

/// One sample's loss; z and t point at its class 0 (t: the distribution or teacher logits),
/// c is its class index when the target holds indices.
double sampleLoss(const Setup& s, const float* z, const float* t, int64_t c) {
  const ClassLayout& l = s.lay;
  if (s.target == Target::TeacherLogits) {
    const double ls = logSumExp(z, l, s.tau), lt = logSumExp(t, l, s.tau);
    double sum = 0;
    for (int64_t k = 0; k < l.classes; ++k) {
      const double logq = double(t[k * l.inner]) / s.tau - lt;
      const double logp = double(z[k * l.inner]) / s.tau - ls;
      sum += std::exp(logq) * (logq - logp);
    }
    return s.tau * s.tau * sum;
  }
  if (s.target == Target::Indices && (c < 0 || c >= l.classes)) return kNaN;
  const double lse = logSumExp(z, l, 1.0);
  const float* dist = s.target == Target::Distribution ? t : nullptr;
  double sum = 0;
  for (int64_t k = 0; k < l.classes; ++k)
    sum -= smoothed(s, dist, c, k) * (double(z[k * l.inner]) - lse);
  return sum;
}

/// One sample's gradient, times `scale` (dy / count), written to dz (its class 0).
void sampleGrad(const Setup& s, const float* z, const float* t, int64_t c, double scale,
                float* dz) {
  const ClassLayout& l = s.lay;
  if (s.target == Target::TeacherLogits) {
    const double ls = logSumExp(z, l, s.tau), lt = logSumExp(t, l, s.tau);
    for (int64_t k = 0; k < l.classes; ++k) {
      const double p = std::exp(double(z[k * l.inner]) / s.tau - ls);
      const double q = std::exp(double(t[k * l.inner]) / s.tau - lt);
      dz[k * l.inner] = static_cast<float>(scale * s.tau * (p - q));
    }
    return;
  }
  const bool bad = s.target == Target::Indices && (c < 0 || c >= l.classes);
  const double lse = logSumExp(z, l, 1.0);
  const float* dist = s.target == Target::Distribution ? t : nullptr;
  double total = 0; // Σ_k t̃_k: 1 unless a distribution target is not normalised
  for (int64_t k = 0; k < l.classes; ++k)
    total += smoothed(s, dist, c, k);
  for (int64_t k = 0; k < l.classes; ++k) {
    const double p = std::exp(double(z[k * l.inner]) - lse);
    const double g = total * p - smoothed(s, dist, c, k);
    dz[k * l.inner] = static_cast<float>(bad ? kNaN : scale * g);
  }
}

/// Sample s's target pointer (distribution or teacher logits) and class index.
struct SampleTarget {
  const float* t = nullptr;
  int64_t c = -1;
};

SampleTarget targetOf(const Setup& s, const Tensor* t, int64_t sample) {
  if (s.target == Target::Indices) return {nullptr, static_cast<const int64_t*>(t->data)[sample]};
  return {t->f32() + s.lay.base(sample), -1};
}

/// Checks the node and derives the setup: logits f32, the target I64 indices (cross_entropy
/// only) of the logits' shape without the class axis, or f32 of the logits' shape.
Expected<Setup> setupOf(const Graph& g, const Node& n, bool kl, int64_t axis, double eps,
                        double tau) {
  const Dims z = kernels::inShape(g, n, 0), t = kernels::inShape(g, n, 1);
  const int64_t ax = kernels::normAxis(axis, static_cast<int64_t>(z.size()));
  if (ax < 0) return kernels::badNode(n, "class axis out of range");
  Setup s{layoutOf(z, ax), kl ? Target::TeacherLogits : Target::Distribution, eps, tau};
  if (g.type(n.inputs[1]).dtype == DType::I64) {
    if (kl) return kernels::badNode(n, "kl_div's teacher must be float logits");
    Dims want = z;
    want.erase(want.begin() + ax);
    if (t != want)
      return kernels::badNode(n,
                              "class indices must have the logits' shape without the class axis");
    s.target = Target::Indices;
  } else if (t != z) {
    return kernels::badNode(n, "the target must have the logits' shape");
  }
  if (kl && !(tau > 0)) return kernels::badNode(n, "kl_div needs temperature > 0");
  if (!kl && !(eps >= 0 && eps <= 1))
    return kernels::badNode(n, "label_smoothing must lie in [0, 1]");
  return s;
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeClassLoss(const Graph& g, const Node& n) {
  const auto& at = attrsOf<ClassLossAttrs>(n);
  if (numel(kernels::outShape(g, n)) != 1)
    return kernels::badNode(n, "the result must be a scalar");
  LLIE_ASSIGN_OR_RETURN(
      Setup s, setupOf(g, n, n.op == OpKind::KlDiv, at.axis, at.labelSmoothing, at.temperature));
  return kernels::makeFnKernel([s](const auto& in, const auto& out) {
    const float* z = in[0]->f32();
    const int64_t count = s.lay.samples();
    const bool big = count * s.lay.classes > kParallelMin;
    double sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static) if (big)
    for (int64_t i = 0; i < count; ++i) {
      SampleTarget st = targetOf(s, in[1], i);
      sum += sampleLoss(s, z + s.lay.base(i), st.t, st.c);
    }
    out[0]->f32()[0] = static_cast<float>(count > 0 ? sum / static_cast<double>(count) : kNaN);
  });
}

Expected<std::unique_ptr<Kernel>> makeClassLossGrad(const Graph& g, const Node& n) {
  const auto& at = attrsOf<ClassLossGradAttrs>(n);
  const bool kl = at.op == "kl_div";
  if (!kl && at.op != "cross_entropy")
    return kernels::badNode(n, "no class-loss gradient for '" + at.op + "'");
  if (kernels::outShape(g, n) != kernels::inShape(g, n, 0) || numel(kernels::inShape(g, n, 2)) != 1)
    return kernels::badNode(n, "the result must match the logits and dy be a scalar");
  LLIE_ASSIGN_OR_RETURN(Setup s, setupOf(g, n, kl, at.axis, at.labelSmoothing, at.temperature));
  return kernels::makeFnKernel([s](const auto& in, const auto& out) {
    const float* z = in[0]->f32();
    float* dz = out[0]->f32();
    const int64_t count = s.lay.samples();
    const double scale = double(scalarOf(in[2])) / static_cast<double>(count);
    parallelFor(count, [&](int64_t i) {
      SampleTarget st = targetOf(s, in[1], i);
      sampleGrad(s, z + s.lay.base(i), st.t, st.c, scale, dz + s.lay.base(i));
    });
  });
}

} // namespace llie::train
