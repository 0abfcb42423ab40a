// Tests of the optimizer and state kernels (backends/train) on both host backends: sgd_update and
// adam_update against a double re-implementation of PyTorch 1.13's loops over three steps, lr and
// step read at run time, and assign writing its state's buffer (directly and through the
// executor).
#include "tests/backends/train_kernels_util.h"

#include <algorithm>

namespace llie::bt {
namespace {

class OptimizerOnBothBackends : public ::testing::TestWithParam<std::string> {
protected:
  std::string be() const { return GetParam(); }
};

// ---- optimizers ---------------------------------------------------------------------------------

/// |got − want| <= rtol·max(|want|, floor) everywhere. The floor is the scale of the terms an
/// element is a sum of (f32 rounding of a sum that cancels to near 0 is relative to them).
::testing::AssertionResult relClose(const HostTensor& got, const std::vector<double>& want,
                                    double rtol, double floor) {
  for (size_t i = 0; i < want.size(); ++i) {
    double g = got.f32()[i];
    if (!(std::fabs(g - want[i]) <= rtol * std::max(std::fabs(want[i]), floor)))
      return ::testing::AssertionFailure() << "element " << i << ": got " << g << ", want "
                                           << want[i] << " (rel " << (g - want[i]) / want[i] << ")";
  }
  return ::testing::AssertionSuccess();
}

double maxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

std::vector<double> toDouble(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

TEST_P(OptimizerOnBothBackends, SgdThreeStepsMatchPyTorchsLoop) {
  const Dims s{3, 7};
  const int64_t n = numel(s);
  const float lr = 0.05f;
  for (SgdAttrs at :
       {SgdAttrs{0, 0, 0, false}, SgdAttrs{0, 0, 0.01, false}, SgdAttrs{0.9, 0, 0, false},
        SgdAttrs{0.9, 0.1, 1e-3, false}, SgdAttrs{0.8, 0, 0.02, true}}) {
    std::mt19937 rng(21);
    std::vector<float> p = uniform(n, rng, -1, 1), buf(n, 0.f);
    std::vector<double> P = toDouble(p), Buf(n, 0.0);
    for (int step = 0; step < 3; ++step) {
      std::vector<float> g = uniform(n, rng, -1, 1);
      // torch.optim.SGD, 1.13 (_single_tensor_sgd), in double.
      for (int64_t i = 0; i < n; ++i) {
        double d = g[i];
        if (at.weightDecay != 0) d += at.weightDecay * P[i];
        if (at.momentum != 0) {
          Buf[i] = step == 0 ? d : at.momentum * Buf[i] + (1 - at.dampening) * d;
          d = at.nesterov ? d + at.momentum * Buf[i] : Buf[i];
        }
        P[i] -= double(lr) * d;
      }
      auto r = runOp(be(), OpKind::SgdUpdate, at,
                     {tensor(s, p), tensor(s, g), tensor(s, buf), scalar(lr), scalar(float(step))},
                     {f32(s), f32(s)});
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TRUE(relClose((*r)[0], P, 1e-6, 1e-3))
          << "step " << step << " momentum " << at.momentum << " nesterov " << at.nesterov;
      if (at.momentum != 0) {
        EXPECT_TRUE(relClose((*r)[1], Buf, 1e-6, maxAbs(Buf))) << "step " << step;
      }
      std::memcpy(p.data(), (*r)[0].f32(), n * sizeof(float));
      std::memcpy(buf.data(), (*r)[1].f32(), n * sizeof(float));
    }
  }
}

TEST_P(OptimizerOnBothBackends, AdamThreeStepsMatchPyTorchsLoop) {
  const Dims s{5, 3};
  const int64_t n = numel(s);
  const float lr = 0.01f;
  for (AdamAttrs at :
       {AdamAttrs{0.9, 0.999, 1e-8, 0, false}, AdamAttrs{0.9, 0.999, 1e-8, 0.01, false},
        AdamAttrs{0.9, 0.999, 1e-8, 0.01, true}, AdamAttrs{0.8, 0.99, 1e-6, 0.1, true},
        AdamAttrs{0.5, 0.9, 1e-3, 0.05, false}}) {
    std::mt19937 rng(22);
    std::vector<float> p = uniform(n, rng, -1, 1), m(n, 0.f), v(n, 0.f);
    std::vector<double> P = toDouble(p), M(n, 0.0), V(n, 0.0);
    for (int step = 0; step < 3; ++step) {
      std::vector<float> g = uniform(n, rng, -1, 1);
      // torch.optim.Adam / AdamW, 1.13 (_single_tensor_adam[w]), in double.
      const double t = step + 1;
      for (int64_t i = 0; i < n; ++i) {
        double gr = g[i];
        if (at.decoupled)
          P[i] *= 1 - double(lr) * at.weightDecay;
        else
          gr += at.weightDecay * P[i];
        M[i] = at.beta1 * M[i] + (1 - at.beta1) * gr;
        V[i] = at.beta2 * V[i] + (1 - at.beta2) * gr * gr;
        double bc1 = 1 - std::pow(at.beta1, t), bc2 = 1 - std::pow(at.beta2, t);
        double denom = std::sqrt(V[i]) / std::sqrt(bc2) + at.eps;
        P[i] -= double(lr) / bc1 * M[i] / denom;
      }
      std::vector<HostTensor> ins = {tensor(s, p), tensor(s, g), tensor(s, m),
                                     tensor(s, v), scalar(lr),   scalar(float(step))};
      // In place (outputs in the inputs' buffers) on odd steps.
      std::vector<int> alias = step % 2 ? std::vector<int>{0, 2, 3} : std::vector<int>{};
      auto r = runOp(be(), OpKind::AdamUpdate, at, ins, {f32(s), f32(s), f32(s)}, alias);
      ASSERT_TRUE(r.ok()) << r.status().message();
      std::string what = "step " + std::to_string(step) + " wd " + std::to_string(at.weightDecay) +
                         (at.decoupled ? " adamw" : " adam");
      EXPECT_TRUE(relClose((*r)[0], P, 1e-6, 1e-3)) << "p, " << what;
      EXPECT_TRUE(relClose((*r)[1], M, 1e-6, maxAbs(M))) << "exp_avg, " << what;
      EXPECT_TRUE(relClose((*r)[2], V, 1e-6, 0)) << "exp_avg_sq, " << what;
      std::memcpy(p.data(), (*r)[0].f32(), n * sizeof(float));
      std::memcpy(m.data(), (*r)[1].f32(), n * sizeof(float));
      std::memcpy(v.data(), (*r)[2].f32(), n * sizeof(float));
    }
  }
}

TEST_P(OptimizerOnBothBackends, OptimizersReadLrAndStepAtRunTime) {
  // One prepared kernel, two runs with different lr/step tensors: nothing is baked in.
  auto backend = createBackend(be());
  ASSERT_TRUE(backend.ok());
  Backend& B = **backend;
  Built b =
      build(OpKind::SgdUpdate, SgdAttrs{0.5, 0, 0, false},
            {tensor({2}, {1, 1}), tensor({2}, {1, 2}), tensor({2}, {0, 0}), scalar(0), scalar(0)},
            {f32({2}), f32({2})});
  auto k = B.prepare(b.g, b.g.nodes[b.node]);
  ASSERT_TRUE(k.ok()) << k.status().message();
  HostTensor p = tensor({2}, {1, 1}), g = tensor({2}, {1, 2}), buf = tensor({2}, {4, 4});
  for (auto [lr, step, wantP, wantB] :
       std::vector<std::tuple<float, float, std::vector<double>, std::vector<double>>>{
           {0.1f, 0, {0.9, 0.8}, {1, 2}},  // first step: buf = g
           {1.0f, 3, {-2, -3}, {3, 4}}}) { // later: buf = 0.5·4 + g
    std::vector<HostTensor> ins = {p, g, buf, scalar(lr), scalar(step)};
    std::vector<Tensor> in, out(2);
    for (auto& h : ins)
      in.push_back({h.dtype, h.shape, h.storage.data()});
    HostTensor po({2}), bo({2});
    out[0] = po.view(), out[1] = bo.view();
    (*k)->run({&in[0], &in[1], &in[2], &in[3], &in[4]}, {&out[0], &out[1]});
    EXPECT_TRUE(near(po, wantP, 1e-6, 1e-6)) << "lr " << lr;
    EXPECT_TRUE(near(bo, wantB, 1e-6, 1e-6)) << "lr " << lr;
  }
}

// ---- assign
// ---------------------------------------------------------------------------------------

TEST_P(OptimizerOnBothBackends, AssignWritesTheStateBuffer) {
  auto backend = createBackend(be());
  ASSERT_TRUE(backend.ok());
  Backend& B = **backend;
  for (Dims vs : {Dims{2, 3}, Dims{3}, Dims{2, 1}, Dims{}}) {
    HostTensor state = tensor({2, 3}, {9, 9, 9, 9, 9, 9});
    std::vector<float> vv(numel(vs));
    for (size_t i = 0; i < vv.size(); ++i)
      vv[i] = float(i) + 0.5f;
    HostTensor value = tensor(vs, vv);
    std::vector<double> want(6);
    for (int64_t i = 0; i < 6; ++i)
      want[i] = vv[srcIndex(i, {2, 3}, vs)];
    Built b = build(OpKind::Assign, NoAttrs{}, {state, value}, {f32({2, 3})});
    auto k = B.prepare(b.g, b.g.nodes[b.node]);
    ASSERT_TRUE(k.ok()) << k.status().message();
    // As the executor runs it (the output is the state's buffer), then with its own output.
    Tensor st{DType::F32, state.shape, state.storage.data()};
    Tensor va{DType::F32, value.shape, value.storage.data()};
    Tensor alias = st;
    (*k)->run({&st, &va}, {&alias});
    EXPECT_TRUE(near(state, want, 0, 0)) << "value rank " << vs.size();
    HostTensor state2 = tensor({2, 3}, {9, 9, 9, 9, 9, 9}), own({2, 3});
    Tensor st2{DType::F32, state2.shape, state2.storage.data()}, o = own.view();
    (*k)->run({&st2, &va}, {&o});
    EXPECT_TRUE(near(state2, want, 0, 0));
    EXPECT_TRUE(near(own, want, 0, 0));
  }
}

TEST_P(OptimizerOnBothBackends, AssignThroughTheExecutorUpdatesTheState) {
  // ema = 0.5·ema + x, written back by assign; two runs accumulate.
  Graph g;
  ValueId ema = g.add(OpKind::State, ParamAttrs{"ema", InitKind::Zeros, 0, 0}, {}, f32({2, 2}));
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({2, 2}));
  ConstantAttrs half_;
  half_.value = 0.5;
  ValueId half = g.add(OpKind::Constant, half_, {}, f32({}));
  ValueId scaled = g.add(OpKind::Mul, NoAttrs{}, {ema, half}, f32({2, 2}));
  ValueId next = g.add(OpKind::Add, NoAttrs{}, {scaled, x}, f32({2, 2}));
  ValueId out = g.add(OpKind::Assign, NoAttrs{}, {ema, next}, f32({2, 2}));
  g.outputs.push_back({"ema", out});
  auto backend = createBackend(be());
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(std::move(g), **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights({{"ema", tensor({2, 2}, {2, 4, 6, 8})}}).isOk());
  ASSERT_TRUE((*ex)->setInput("x", tensor({2, 2}, {1, 1, 1, 1})).isOk());
  ASSERT_TRUE((*ex)->run().isOk());
  ASSERT_TRUE((*ex)->run().isOk());
  // 0.5·(0.5·s + 1) + 1 = 0.25·s + 1.5
  std::vector<double> want = {2, 2.5, 3, 3.5};
  EXPECT_TRUE(near((*ex)->readWeights().at("ema"), want, 0, 1e-6));
  auto o = (*ex)->output("ema");
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(near(*o, want, 0, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(TrainKernels, OptimizerOnBothBackends,
                         ::testing::Values("cpu", "reference"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace llie::bt
