// Optimizer updates, PyTorch 1.13's single-tensor algorithms (torch/optim/sgd.py and adam.py /
// adamw.py, maximize = amsgrad = false), one parallel pass per parameter tensor. `lr` and `step`
// are f32 scalar tensors read at run time; `step` counts the steps already taken, so Adam's
// bias corrections use t = step + 1 and SGD initialises its momentum buffer on step 0.
//   sgd_update(p, g, buf, lr, step) -> (p', buf'):
//     d = g + wd·p; buf = step == 0 ? d : momentum·buf + (1 − dampening)·d;
//     d = nesterov ? d + momentum·buf : buf (no momentum: d stays, buf' = buf); p -= lr·d
//   adam_update(p, g, m, v, lr, step) -> (p', m', v'):
//     AdamW: p *= 1 − lr·wd, else g += wd·p; m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g·g;
//     denom = sqrt(v) / sqrt(1 − β2^t) + eps; p −= (lr / (1 − β1^t))·m / denom
// As in PyTorch, the scalar coefficients are computed in double and rounded to f32, and each
// elementwise tensor op is one f32 operation in PyTorch's order (addcmul = v + (c·g)·g, addcdiv
// = p + (c·m)/denom), so the result agrees with PyTorch to f32 rounding. Outputs may alias
// inputs: every input element i is read before output element i is written.
#include "backends/train/train_kernels.h"

#include "backends/grad_geometry.h"
#include "backends/train/train_loops.h"

#include <cmath>

namespace llie::train {
namespace {

/// `step` as an integer count (the tensor holds a whole number in f32).
int64_t stepsTaken(const Tensor* t) {
  return static_cast<int64_t>(std::llround(scalarOf(t)));
}

} // namespace

Expected<std::unique_ptr<Kernel>> makeSgdUpdate(const Graph& g, const Node& n) {
  if (std::string why = kernels::optimizerShapeProblem(g, n, 3); !why.empty())
    return kernels::badNode(n, why);
  const auto& a = attrsOf<SgdAttrs>(n);
  const bool decay = a.weightDecay != 0, momentum = a.momentum != 0, nesterov = a.nesterov;
  const float wd = static_cast<float>(a.weightDecay), mom = static_cast<float>(a.momentum);
  const float keep = static_cast<float>(1.0 - a.dampening);
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* P = in[0]->f32();
    const float* G = in[1]->f32();
    const float* B = in[2]->f32();
    float* Po = out[0]->f32();
    float* Bo = out[1]->f32();
    const float negLr = -scalarOf(in[3]);
    const bool first = stepsTaken(in[4]) == 0;
    parallelFor(out[0]->numel(), [&](int64_t i) {
      float p = P[i], d = G[i], b = B[i];
      if (decay) d = d + wd * p;
      if (momentum) {
        b = first ? d : b * mom + keep * d;
        d = nesterov ? d + mom * b : b;
      }
      Po[i] = p + negLr * d;
      Bo[i] = b;
    });
  });
}

Expected<std::unique_ptr<Kernel>> makeAdamUpdate(const Graph& g, const Node& n) {
  if (std::string why = kernels::optimizerShapeProblem(g, n, 4); !why.empty())
    return kernels::badNode(n, why);
  const auto& a = attrsOf<AdamAttrs>(n);
  const double beta1 = a.beta1, beta2 = a.beta2, wdD = a.weightDecay;
  const bool decoupled = a.decoupled, decay = a.weightDecay != 0;
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float c1 = static_cast<float>(1.0 - beta1), c2 = static_cast<float>(1.0 - beta2);
  const float wd = static_cast<float>(a.weightDecay), eps = static_cast<float>(a.eps);
  return kernels::makeFnKernel([=](const auto& in, const auto& out) {
    const float* P = in[0]->f32();
    const float* G = in[1]->f32();
    const float* M = in[2]->f32();
    const float* V = in[3]->f32();
    float* Po = out[0]->f32();
    float* Mo = out[1]->f32();
    float* Vo = out[2]->f32();
    const double lr = scalarOf(in[4]);
    const double t = static_cast<double>(stepsTaken(in[5]) + 1);
    const double bc1 = 1.0 - std::pow(beta1, t), bc2 = 1.0 - std::pow(beta2, t);
    const float negStep = static_cast<float>(-(lr / bc1));
    const float bc2Sqrt = static_cast<float>(std::sqrt(bc2));
    const float shrink = static_cast<float>(1.0 - lr * wdD); // AdamW's p *= 1 − lr·wd
    parallelFor(out[0]->numel(), [&](int64_t i) {
      float p = P[i], gr = G[i], m = M[i], v = V[i];
      if (decoupled)
        p = p * shrink;
      else if (decay)
        gr = gr + wd * p;
      m = m * b1 + c1 * gr;
      v = v * b2 + c2 * gr * gr;
      const float denom = std::sqrt(v) / bc2Sqrt + eps;
      Po[i] = p + negStep * m / denom;
      Mo[i] = m;
      Vo[i] = v;
    });
  });
}

} // namespace llie::train
