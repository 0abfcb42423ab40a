// Tests of the host training kernels (backends/train) on both host backends, "cpu" and
// "reference": unary_grad, the pointwise losses and loss_grad, sign/sin/cos/acos, pow, atan2,
// prelu, the comparisons and where (Bool tensors) and reduce_grad (the optimizers and assign are in
// optimizer_kernels_test.cpp). Values are checked against naive formulas evaluated in double here
// (odd shapes, broadcasting, the kinks where PyTorch picks a convention); unary_grad and loss_grad
// also against central finite differences of the forward ops run on the cpu backend; the optimizers
// against a double re-implementation of PyTorch 1.13's loops over three steps.
#include "tests/backends/train_kernels_util.h"

#include <cmath>
#include <cstring>
#include <map>

namespace llie::bt {
namespace {

class OnBothBackends : public ::testing::TestWithParam<std::string> {
protected:
  std::string be() const { return GetParam(); }
};

// ---- unary_grad ---------------------------------------------------------------------------------

struct UnaryCase {
  std::string op;
  double alpha = 0, beta = 0;
  float lo = -2.f, hi = 2.f;
  std::vector<float> edges; ///< x values placed first (kinks: checked against the convention)
  OpKind fwd;
  Attrs fwdAttrs = NoAttrs{};
  std::vector<double> kinks; ///< finite differences stay away from these
};

std::vector<UnaryCase> unaryCases() {
  return {
      {"relu", 0, 0, -2, 2, {0.f, -0.f, 1e-30f}, OpKind::Relu, NoAttrs{}, {0}},
      {"relu6", 0, 0, -2, 8, {0.f, 6.f, 5.99f}, OpKind::Relu6, NoAttrs{}, {0, 6}},
      {"leaky_relu", 0.1, 0, -2, 2, {0.f}, OpKind::LeakyRelu, LeakyReluAttrs{0.1}, {0}},
      {"sigmoid", 0, 0, -4, 4, {0.f}, OpKind::Sigmoid, NoAttrs{}, {}},
      {"tanh", 0, 0, -3, 3, {0.f}, OpKind::Tanh, NoAttrs{}, {}},
      {"silu", 0, 0, -4, 4, {0.f}, OpKind::Silu, NoAttrs{}, {}},
      {"gelu", 0, 0, -3, 3, {0.f}, OpKind::Gelu, NoAttrs{}, {}},
      {"exp", 0, 0, -2, 2, {0.f}, OpKind::Exp, NoAttrs{}, {}},
      {"log", 0, 0, 0.2f, 3, {1.f}, OpKind::Log, NoAttrs{}, {}},
      {"sqrt", 0, 0, 0.2f, 3, {1.f}, OpKind::Sqrt, NoAttrs{}, {}},
      {"abs", 0, 0, -2, 2, {0.f, -0.f}, OpKind::Abs, NoAttrs{}, {0}},
      {"square", 0, 0, -2, 2, {0.f}, OpKind::Square, NoAttrs{}, {}},
      {"pow_scalar", 2.5, 0, 0.2f, 2, {1.f}, OpKind::PowScalar, PowScalarAttrs{2.5}, {}},
      {"pow_scalar", 3, 0, -2, 2, {0.f}, OpKind::PowScalar, PowScalarAttrs{3}, {}},
      {"pow_scalar", 0, 0, -2, 2, {0.f}, OpKind::PowScalar, PowScalarAttrs{0}, {}},
      {"clamp",
       -0.5,
       1.25,
       -2,
       2,
       {-0.5f, 1.25f},
       OpKind::Clamp,
       ClampAttrs{-0.5, 1.25},
       {-0.5, 1.25}},
      {"sin", 0, 0, -3, 3, {0.f}, OpKind::Sin, NoAttrs{}, {}},
      {"cos", 0, 0, -3, 3, {0.f}, OpKind::Cos, NoAttrs{}, {}},
      {"acos", 0, 0, -0.9f, 0.9f, {0.f}, OpKind::Acos, NoAttrs{}, {}},
      {"neg", 0, 0, -2, 2, {0.f}, OpKind::Neg, NoAttrs{}, {}},
  };
}

/// f'(x) with PyTorch's conventions, written independently of the kernels.
double naiveDerivative(const UnaryCase& c, double x) {
  const std::string& op = c.op;
  const double a = c.alpha, b = c.beta;
  const double pi = 3.14159265358979323846;
  if (op == "relu") return x > 0 ? 1 : 0;
  if (op == "relu6") return (x > 0 && x < 6) ? 1 : 0;
  if (op == "leaky_relu") return x > 0 ? 1 : a;
  if (op == "sigmoid") return std::exp(-x) / ((1 + std::exp(-x)) * (1 + std::exp(-x)));
  if (op == "tanh") return 1 / (std::cosh(x) * std::cosh(x));
  if (op == "silu") {
    double s = 1 / (1 + std::exp(-x));
    return s + x * s * (1 - s);
  }
  if (op == "gelu")
    return 0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-x * x / 2) / std::sqrt(2 * pi);
  if (op == "exp") return std::exp(x);
  if (op == "log") return 1 / x;
  if (op == "sqrt") return 1 / (2 * std::sqrt(x));
  if (op == "abs") return x > 0 ? 1 : (x < 0 ? -1 : 0);
  if (op == "square") return 2 * x;
  if (op == "pow_scalar") return a == 0 ? 0 : a * std::pow(x, a - 1);
  if (op == "clamp") return (x >= a && x <= b) ? 1 : 0;
  if (op == "sin") return std::cos(x);
  if (op == "cos") return -std::sin(x);
  if (op == "acos") return -1 / std::sqrt(1 - x * x);
  if (op == "neg") return -1;
  ADD_FAILURE() << "no naive derivative for " << op;
  return 0;
}

TEST_P(OnBothBackends, UnaryGradMatchesNaiveFormulasAndPyTorchKinks) {
  const Dims shape{3, 5, 7};
  std::mt19937 rng(11);
  for (const UnaryCase& c : unaryCases()) {
    std::vector<float> xv = uniform(numel(shape), rng, c.lo, c.hi);
    std::copy(c.edges.begin(), c.edges.end(), xv.begin());
    std::vector<float> dv = uniform(numel(shape), rng, -1.5f, 1.5f);
    HostTensor x = tensor(shape, xv), dy = tensor(shape, dv);
    HostTensor dx =
        run1(be(), OpKind::UnaryGrad, UnaryGradAttrs{c.op, c.alpha, c.beta}, {x, dy}, f32(shape));
    std::vector<double> want(xv.size());
    for (size_t i = 0; i < xv.size(); ++i)
      want[i] = double(dv[i]) * naiveDerivative(c, xv[i]);
    EXPECT_TRUE(near(dx, want, 1e-6, 1e-5)) << c.op << " alpha " << c.alpha;
  }
}

TEST_P(OnBothBackends, UnaryGradKinksFollowPyTorch) {
  // The exact values at the kinks, written out: dy = 2 everywhere.
  struct K {
    std::string op;
    double alpha, beta;
    std::vector<float> x, want;
  };
  std::vector<K> ks = {
      {"relu", 0, 0, {-1, 0, 1e-6f, 3}, {0, 0, 2, 2}},
      {"relu6", 0, 0, {0, 1e-6f, 5.5f, 6, 7}, {0, 2, 2, 0, 0}},
      {"leaky_relu", 0.2, 0, {-1, 0, 1}, {0.4f, 0.4f, 2}},
      {"abs", 0, 0, {-1, 0, 2}, {-2, 0, 2}},
      {"clamp", -1, 1, {-1.5f, -1, 0, 1, 1.5f}, {0, 2, 2, 2, 0}},
      {"pow_scalar", 0, 0, {-1, 0, 2}, {0, 0, 0}},
      {"pow_scalar", 1, 0, {-1, 0, 2}, {2, 2, 2}},
  };
  for (const K& k : ks) {
    Dims s{static_cast<int64_t>(k.x.size())};
    HostTensor dx = run1(be(), OpKind::UnaryGrad, UnaryGradAttrs{k.op, k.alpha, k.beta},
                         {tensor(s, k.x), tensor(s, std::vector<float>(k.x.size(), 2.f))}, f32(s));
    std::vector<double> want(k.want.begin(), k.want.end());
    EXPECT_TRUE(near(dx, want, 0, 1e-6)) << k.op;
  }
  // The masks select rather than multiply: a non-finite dy is dropped where the mask is off.
  HostTensor dx = run1(be(), OpKind::UnaryGrad, UnaryGradAttrs{"relu", 0, 0},
                       {tensor({2}, {-1, 1}), tensor({2}, {INFINITY, 3})}, f32({2}));
  EXPECT_TRUE(near(dx, {0, 3}, 0, 0));
}

TEST_P(OnBothBackends, UnaryGradMatchesFiniteDifferencesOfTheCpuForward) {
  const Dims shape{2, 3, 5};
  const double eps = 1e-3;
  std::mt19937 rng(12);
  for (const UnaryCase& c : unaryCases()) {
    std::vector<float> xv = uniform(numel(shape), rng, c.lo, c.hi);
    for (float& v : xv) // stay away from the kinks
      for (double k : c.kinks)
        if (std::fabs(v - k) < 0.05) v = static_cast<float>(k + (v < k ? -0.1 : 0.1));
    std::vector<float> dv = uniform(numel(shape), rng, -1.5f, 1.5f);
    std::vector<float> xp(xv.size()), xm(xv.size());
    for (size_t i = 0; i < xv.size(); ++i)
      xp[i] = static_cast<float>(xv[i] + eps), xm[i] = static_cast<float>(xv[i] - eps);
    HostTensor fp = run1("cpu", c.fwd, c.fwdAttrs, {tensor(shape, xp)}, f32(shape));
    HostTensor fm = run1("cpu", c.fwd, c.fwdAttrs, {tensor(shape, xm)}, f32(shape));
    HostTensor dx = run1(be(), OpKind::UnaryGrad, UnaryGradAttrs{c.op, c.alpha, c.beta},
                         {tensor(shape, xv), tensor(shape, dv)}, f32(shape));
    std::vector<double> want(xv.size());
    for (size_t i = 0; i < xv.size(); ++i)
      want[i] = dv[i] * (double(fp.f32()[i]) - fm.f32()[i]) / (double(xp[i]) - xm[i]);
    EXPECT_TRUE(near(dx, want, 2e-3, 1e-2)) << c.op << " alpha " << c.alpha;
  }
}

TEST_P(OnBothBackends, UnaryGradRefusesAnUnknownOp) {
  auto r = runOp(be(), OpKind::UnaryGrad, UnaryGradAttrs{"softplus", 0, 0},
                 {tensor({2}, {1, 2}), tensor({2}, {1, 1})}, {f32({2})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("softplus"), std::string::npos) << r.status().message();
}

// ---- sign, sin, cos, acos, pow, atan2, prelu --------------------------------------------------

TEST_P(OnBothBackends, UnaryMathOps) {
  const Dims s{3, 7};
  std::mt19937 rng(13);
  std::vector<float> xv = uniform(numel(s), rng, -3, 3);
  xv[0] = 0.f, xv[1] = -0.f, xv[2] = 1e-30f, xv[3] = -2.f;
  std::vector<double> sign(xv.size()), sn(xv.size()), cs(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) {
    sign[i] = xv[i] > 0 ? 1 : (xv[i] < 0 ? -1 : 0);
    sn[i] = std::sin(double(xv[i]));
    cs[i] = std::cos(double(xv[i]));
  }
  EXPECT_TRUE(near(run1(be(), OpKind::Sign, NoAttrs{}, {tensor(s, xv)}, f32(s)), sign, 0, 0));
  EXPECT_TRUE(near(run1(be(), OpKind::Sin, NoAttrs{}, {tensor(s, xv)}, f32(s)), sn, 1e-7, 1e-6));
  EXPECT_TRUE(near(run1(be(), OpKind::Cos, NoAttrs{}, {tensor(s, xv)}, f32(s)), cs, 1e-7, 1e-6));
  std::vector<float> av = uniform(numel(s), rng, -1, 1);
  av[0] = -1.f, av[1] = 1.f, av[2] = 0.f, av[3] = 1.5f; // acos(1.5) is NaN
  std::vector<double> ac(av.size());
  for (size_t i = 0; i < av.size(); ++i)
    ac[i] = std::acos(double(av[i]));
  EXPECT_TRUE(near(run1(be(), OpKind::Acos, NoAttrs{}, {tensor(s, av)}, f32(s)), ac, 1e-7, 1e-6));
}

TEST_P(OnBothBackends, PowAndAtan2Broadcast) {
  std::mt19937 rng(14);
  struct Shapes {
    Dims a, b, y;
  };
  for (const Shapes& sh : std::vector<Shapes>{{{2, 3, 5}, {3, 1}, {2, 3, 5}},
                                              {{4, 1, 5}, {3, 5}, {4, 3, 5}},
                                              {{3, 5}, {}, {3, 5}},
                                              {{1}, {2, 3}, {2, 3}}}) {
    std::vector<float> a = uniform(numel(sh.a), rng, 0.1f, 3), b = uniform(numel(sh.b), rng, -2, 2);
    std::vector<double> pw(numel(sh.y)), at(numel(sh.y));
    for (int64_t i = 0; i < numel(sh.y); ++i) {
      double u = a[srcIndex(i, sh.y, sh.a)], v = b[srcIndex(i, sh.y, sh.b)];
      pw[i] = std::pow(u, v);
      at[i] = std::atan2(u, v);
    }
    EXPECT_TRUE(
        near(run1(be(), OpKind::Pow, NoAttrs{}, {tensor(sh.a, a), tensor(sh.b, b)}, f32(sh.y)), pw,
             1e-7, 1e-6));
    EXPECT_TRUE(
        near(run1(be(), OpKind::Atan2, NoAttrs{}, {tensor(sh.a, a), tensor(sh.b, b)}, f32(sh.y)),
             at, 1e-7, 1e-6));
  }
  // atan2's quadrants and signed zeros: atan2(y = a, x = b).
  HostTensor y = tensor({6}, {1, 1, -1, -1, 0, 0}), x = tensor({6}, {1, -1, -1, 1, -1, 1});
  double pi = 3.14159265358979323846;
  EXPECT_TRUE(near(run1(be(), OpKind::Atan2, NoAttrs{}, {y, x}, f32({6})),
                   {pi / 4, 3 * pi / 4, -3 * pi / 4, -pi / 4, pi, 0}, 1e-7, 1e-6));
  // pow with a negative base and integer exponent, and 0^0 = 1.
  EXPECT_TRUE(near(run1(be(), OpKind::Pow, NoAttrs{},
                        {tensor({3}, {-2, 0, -2}), tensor({3}, {3, 0, 0.5f})}, f32({3})),
                   {-8, 1, NAN}, 0, 1e-6));
}

TEST_P(OnBothBackends, PreluSlopePerChannelOrShared) {
  const Dims xs{2, 3, 2, 3};
  std::mt19937 rng(15);
  std::vector<float> x = uniform(numel(xs), rng, -2, 2);
  x[0] = 0.f;
  std::vector<float> slope{0.25f, -0.5f, 2.f};
  std::vector<double> perC(x.size()), shared(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t c = (i / 6) % 3;
    perC[i] = x[i] > 0 ? x[i] : double(slope[c]) * x[i];
    shared[i] = x[i] > 0 ? x[i] : 0.3 * double(x[i]);
  }
  for (Dims ws : {Dims{3}, Dims{3, 1, 1}})
    EXPECT_TRUE(
        near(run1(be(), OpKind::Prelu, NoAttrs{}, {tensor(xs, x), tensor(ws, slope)}, f32(xs)),
             perC, 1e-7, 1e-6))
        << "slope rank " << ws.size();
  EXPECT_TRUE(
      near(run1(be(), OpKind::Prelu, NoAttrs{}, {tensor(xs, x), tensor({1}, {0.3f})}, f32(xs)),
           shared, 1e-7, 1e-6));
  auto bad = runOp(be(), OpKind::Prelu, NoAttrs{}, {tensor(xs, x), tensor({2}, {1, 2})}, {f32(xs)});
  EXPECT_FALSE(bad.ok());
}

// ---- comparisons and where -------------------------------------------------------------------

TEST_P(OnBothBackends, ComparisonsBroadcastToOneByteBools) {
  std::mt19937 rng(16);
  std::uniform_int_distribution<int> small(-2, 2); // many equal pairs
  struct Shapes {
    Dims a, b, y;
  };
  const std::vector<std::pair<OpKind, bool (*)(float, float)>> ops = {
      {OpKind::Equal, [](float u, float v) { return u == v; }},
      {OpKind::Less, [](float u, float v) { return u < v; }},
      {OpKind::LessEqual, [](float u, float v) { return u <= v; }},
      {OpKind::Greater, [](float u, float v) { return u > v; }},
      {OpKind::GreaterEqual, [](float u, float v) { return u >= v; }}};
  for (const Shapes& sh : std::vector<Shapes>{{{2, 3, 5}, {3, 1}, {2, 3, 5}},
                                              {{3, 1, 5}, {4, 1}, {3, 4, 5}},
                                              {{7}, {}, {7}},
                                              {{2, 3}, {2, 3}, {2, 3}}}) {
    std::vector<float> a(numel(sh.a)), b(numel(sh.b));
    for (auto& v : a)
      v = static_cast<float>(small(rng)) * 0.5f;
    for (auto& v : b)
      v = static_cast<float>(small(rng)) * 0.5f;
    if (!a.empty()) a[0] = NAN;
    for (auto& [op, f] : ops) {
      HostTensor y =
          run1(be(), op, NoAttrs{}, {tensor(sh.a, a), tensor(sh.b, b)}, typed(sh.y, DType::Bool));
      ASSERT_EQ(y.dtype, DType::Bool);
      ASSERT_EQ(static_cast<int64_t>(y.storage.size()), numel(sh.y));
      for (int64_t i = 0; i < numel(sh.y); ++i) {
        float u = a[srcIndex(i, sh.y, sh.a)], v = b[srcIndex(i, sh.y, sh.b)];
        EXPECT_EQ(int(y.storage[i]), f(u, v) ? 1 : 0) << opName(op) << " at " << i;
      }
    }
  }
}

TEST_P(OnBothBackends, WhereBroadcastsConditionAndBranches) {
  std::mt19937 rng(17);
  struct Shapes {
    Dims c, a, b, y;
  };
  for (const Shapes& sh : std::vector<Shapes>{{{3, 1}, {2, 3, 4}, {}, {2, 3, 4}},
                                              {{2, 3, 4}, {4}, {3, 1}, {2, 3, 4}},
                                              {{5}, {5}, {5}, {5}},
                                              {{1, 4}, {3, 1}, {1}, {3, 4}}}) {
    std::vector<int> c(numel(sh.c));
    for (auto& v : c)
      v = static_cast<int>(rng() % 2);
    std::vector<float> a = uniform(numel(sh.a), rng, -2, 2), b = uniform(numel(sh.b), rng, -2, 2);
    HostTensor y = run1(be(), OpKind::Where, NoAttrs{},
                        {boolTensor(sh.c, c), tensor(sh.a, a), tensor(sh.b, b)}, f32(sh.y));
    std::vector<double> want(numel(sh.y));
    for (int64_t i = 0; i < numel(sh.y); ++i)
      want[i] =
          c[srcIndex(i, sh.y, sh.c)] ? a[srcIndex(i, sh.y, sh.a)] : b[srcIndex(i, sh.y, sh.b)];
    EXPECT_TRUE(near(y, want, 0, 0));
  }
}

TEST_P(OnBothBackends, BoolIsAdmittedOnlyWhereNeeded) {
  auto backend = createBackend(be());
  ASSERT_TRUE(backend.ok());
  Backend& B = **backend;
  HostTensor x = tensor({3}, {1, 2, 3});
  HostTensor c = boolTensor({3}, {1, 0, 1});
  auto supported = [&](OpKind op, const std::vector<HostTensor>& ins, const TensorType& out) {
    Built b = build(op, NoAttrs{}, ins, {out});
    bool s = B.supports(b.g, b.g.nodes[b.node]);
    EXPECT_EQ(s, B.prepare(b.g, b.g.nodes[b.node]).ok()) << opName(op);
    return s;
  };
  EXPECT_TRUE(supported(OpKind::Less, {x, x}, typed({3}, DType::Bool)));
  EXPECT_FALSE(supported(OpKind::Less, {x, x}, f32({3}))); // a comparison makes bools
  EXPECT_FALSE(supported(OpKind::Less, {c, c}, typed({3}, DType::Bool))); // of f32 operands
  EXPECT_TRUE(supported(OpKind::Where, {c, x, x}, f32({3})));
  EXPECT_FALSE(supported(OpKind::Where, {x, x, x}, f32({3}))); // the condition is bool
  EXPECT_FALSE(supported(OpKind::Where, {c, c, c}, typed({3}, DType::Bool))); // branches f32
  EXPECT_FALSE(supported(OpKind::Relu, {c}, typed({3}, DType::Bool)));
  EXPECT_FALSE(supported(OpKind::Add, {x, c}, f32({3})));
  EXPECT_TRUE(supported(OpKind::Add, {x, x}, f32({3})));
}

// ---- losses
// --------------------------------------------------------------------------------------

struct LossCase {
  OpKind op;
  std::string name;
  double beta;
};

std::vector<LossCase> lossCases() {
  return {{OpKind::L1Loss, "l1_loss", 1.0},
          {OpKind::MseLoss, "mse_loss", 1.0},
          {OpKind::SmoothL1Loss, "smooth_l1_loss", 1.0},
          {OpKind::SmoothL1Loss, "smooth_l1_loss", 0.5},
          {OpKind::SmoothL1Loss, "smooth_l1_loss", 0.0},
          {OpKind::HuberLoss, "huber_loss", 1.0},
          {OpKind::HuberLoss, "huber_loss", 0.7},
          {OpKind::BceWithLogits, "bce_with_logits", 0.0}};
}

Attrs lossAttrs(const LossCase& c) {
  if (c.op == OpKind::BceWithLogits) return NoAttrs{};
  return LossAttrs{c.beta};
}

/// The pointwise loss term and its derivative in a, PyTorch's definitions, in double.
double naiveLoss(const LossCase& c, double a, double b) {
  double d = a - b, z = std::fabs(d), be = c.beta;
  switch (c.op) {
  case OpKind::L1Loss:
    return z;
  case OpKind::MseLoss:
    return d * d;
  case OpKind::SmoothL1Loss:
    return be == 0 ? z : (z < be ? 0.5 * d * d / be : z - 0.5 * be);
  case OpKind::HuberLoss:
    return z <= be ? 0.5 * d * d : be * (z - 0.5 * be);
  default: // bce with logits a, target b: −[b·log σ(a) + (1 − b)·log(1 − σ(a))]
    return b * std::log1p(std::exp(-a)) + (1 - b) * std::log1p(std::exp(a));
  }
}
double naiveLossGrad(const LossCase& c, double a, double b) {
  double d = a - b, be = c.beta;
  double sg = d > 0 ? 1 : (d < 0 ? -1 : 0);
  switch (c.op) {
  case OpKind::L1Loss:
    return sg;
  case OpKind::MseLoss:
    return 2 * d;
  case OpKind::SmoothL1Loss:
    return be == 0 ? sg : (std::fabs(d) < be ? d / be : sg);
  case OpKind::HuberLoss:
    return std::fabs(d) < be ? d : be * sg;
  default:
    return 1 / (1 + std::exp(-a)) - b;
  }
}

/// Prediction and target with |a − b| away from the loss's kinks.
void lossInputs(const LossCase& c, std::mt19937& rng, int64_t n, std::vector<float>& a,
                std::vector<float>& b) {
  a = uniform(n, rng, -2, 2);
  b = c.op == OpKind::BceWithLogits ? uniform(n, rng, 0, 1) : uniform(n, rng, -2, 2);
  for (int64_t i = 0; i < n && c.op != OpKind::BceWithLogits; ++i) {
    double z = std::fabs(double(a[i]) - b[i]);
    double kink = c.op == OpKind::SmoothL1Loss || c.op == OpKind::HuberLoss ? c.beta : -1;
    if (z < 0.05 || std::fabs(z - kink) < 0.05) a[i] = b[i] + (a[i] < b[i] ? -1.f : 1.f) * 0.1f;
  }
}

TEST_P(OnBothBackends, PointLossesMatchNaiveMeans) {
  const Dims s{3, 5, 7};
  std::mt19937 rng(18);
  for (const LossCase& c : lossCases()) {
    std::vector<float> a, b;
    lossInputs(c, rng, numel(s), a, b);
    if (c.op != OpKind::BceWithLogits) a[0] = b[0];           // a zero term
    if (c.op == OpKind::BceWithLogits) a[0] = 30, a[1] = -30; // the stable formula's far ends
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i)
      sum += naiveLoss(c, a[i], b[i]);
    HostTensor y = run1(be(), c.op, lossAttrs(c), {tensor(s, a), tensor(s, b)}, f32({}));
    EXPECT_TRUE(near(y, {sum / double(a.size())}, 1e-7, 1e-6)) << c.name << " beta " << c.beta;
  }
  // Hand values: d = {−2, −0.5, 0, 0.5, 2}.
  HostTensor a = tensor({5}, {-2, -0.5f, 0, 0.5f, 2}), z = tensor({5}, {0, 0, 0, 0, 0});
  EXPECT_TRUE(near(run1(be(), OpKind::L1Loss, LossAttrs{}, {a, z}, f32({})), {1.0}, 0, 1e-6));
  EXPECT_TRUE(near(run1(be(), OpKind::MseLoss, LossAttrs{}, {a, z}, f32({})), {1.7}, 0, 1e-6));
  // smooth_l1, beta 1: {1.5, 0.125, 0, 0.125, 1.5}; huber, delta 1: the same; delta 2: {2, ..}.
  EXPECT_TRUE(
      near(run1(be(), OpKind::SmoothL1Loss, LossAttrs{1.0}, {a, z}, f32({})), {0.65}, 0, 1e-6));
  EXPECT_TRUE(near(run1(be(), OpKind::HuberLoss, LossAttrs{2.0}, {a, z}, f32({})),
                   {(2 + 0.125 + 0 + 0.125 + 2) / 5}, 0, 1e-6));
  // bce with logits, x = 0: log 2 whatever the target.
  EXPECT_TRUE(near(run1(be(), OpKind::BceWithLogits, NoAttrs{},
                        {tensor({2}, {0, 0}), tensor({2}, {0, 1})}, f32({})),
                   {std::log(2.0)}, 0, 1e-6));
  auto bad = runOp(be(), OpKind::HuberLoss, LossAttrs{0.0}, {a, z}, {f32({})});
  EXPECT_FALSE(bad.ok()) << "huber needs delta > 0";
}

TEST_P(OnBothBackends, LossGradMatchesNaiveFormulasAndFiniteDifferences) {
  const Dims s{3, 5};
  const int64_t n = numel(s);
  const double eps = 1e-3;
  const float dyv = 1.7f;
  std::mt19937 rng(19);
  for (const LossCase& c : lossCases()) {
    std::vector<float> a, b;
    lossInputs(c, rng, n, a, b);
    HostTensor g = run1(be(), OpKind::LossGrad, LossGradAttrs{c.name, c.beta},
                        {tensor(s, a), tensor(s, b), scalar(dyv)}, f32(s));
    std::vector<double> want(n), fd(n);
    for (int64_t i = 0; i < n; ++i) {
      want[i] = dyv * naiveLossGrad(c, a[i], b[i]) / double(n);
      std::vector<float> ap = a, am = a;
      ap[i] = static_cast<float>(a[i] + eps), am[i] = static_cast<float>(a[i] - eps);
      double lp = run1("cpu", c.op, lossAttrs(c), {tensor(s, ap), tensor(s, b)}, f32({})).f32()[0];
      double lm = run1("cpu", c.op, lossAttrs(c), {tensor(s, am), tensor(s, b)}, f32({})).f32()[0];
      fd[i] = dyv * (lp - lm) / (double(ap[i]) - am[i]);
    }
    EXPECT_TRUE(near(g, want, 1e-7, 1e-5)) << c.name << " beta " << c.beta;
    EXPECT_TRUE(near(g, fd, 2e-4, 1e-2)) << c.name << " beta " << c.beta << " (finite diff.)";
  }
  // At the kinks, PyTorch's conventions: l1's sign is 0 at a = b; smooth_l1 at |d| = beta is
  // ±1; huber at |d| = delta is ±delta. N = 4, dy = 4, so da = the per-element derivative.
  HostTensor a = tensor({4}, {1, -0.5f, 0.5f, 0}), b = tensor({4}, {1, 0, 0, 0});
  EXPECT_TRUE(
      near(run1(be(), OpKind::LossGrad, LossGradAttrs{"l1_loss", 1}, {a, b, scalar(4)}, f32({4})),
           {0, -1, 1, 0}, 0, 1e-6));
  EXPECT_TRUE(near(run1(be(), OpKind::LossGrad, LossGradAttrs{"smooth_l1_loss", 0.5},
                        {a, b, scalar(4)}, f32({4})),
                   {0, -1, 1, 0}, 0, 1e-6));
  EXPECT_TRUE(near(
      run1(be(), OpKind::LossGrad, LossGradAttrs{"smooth_l1_loss", 0}, {a, b, scalar(4)}, f32({4})),
      {0, -1, 1, 0}, 0, 1e-6));
  EXPECT_TRUE(near(
      run1(be(), OpKind::LossGrad, LossGradAttrs{"huber_loss", 0.5}, {a, b, scalar(4)}, f32({4})),
      {0, -0.5, 0.5, 0}, 0, 1e-6));
  auto bad = runOp(be(), OpKind::LossGrad, LossGradAttrs{"cross_entropy", 1}, {a, b, scalar(1)},
                   {f32({4})});
  EXPECT_FALSE(bad.ok());
}

// ---- reduce_grad --------------------------------------------------------------------------------

TEST_P(OnBothBackends, ReduceGradBroadcastsBackAndDividesForMean) {
  const Dims x{2, 3, 4, 5};
  std::mt19937 rng(20);
  struct C {
    std::vector<int64_t> axes;
    bool keepdim;
  };
  for (const C& c : std::vector<C>{{{1, 3}, true},
                                   {{1, 3}, false},
                                   {{-1}, false},
                                   {{0, 2}, true},
                                   {{}, false},
                                   {{}, true},
                                   {{3, 1, -3}, false}}) {
    for (bool mean : {false, true}) {
      std::vector<bool> reduced(4, c.axes.empty());
      for (int64_t a : c.axes)
        reduced[(a + 4) % 4] = true;
      Dims dyShape, kept;
      int64_t count = 1;
      for (int d = 0; d < 4; ++d) {
        kept.push_back(reduced[d] ? 1 : x[d]);
        if (reduced[d]) count *= x[d];
        if (!reduced[d] || c.keepdim) dyShape.push_back(reduced[d] ? 1 : x[d]);
      }
      std::vector<float> dy = uniform(numel(dyShape), rng, -2, 2);
      ReduceGradAttrs at;
      at.axes = c.axes;
      at.keepdim = c.keepdim;
      at.mean = mean;
      for (int64_t d : x)
        at.shape.push_back(Dim::constant(d));
      HostTensor g = run1(be(), OpKind::ReduceGrad, at, {tensor(dyShape, dy)}, f32(x));
      std::vector<double> want(numel(x));
      for (int64_t i = 0; i < numel(x); ++i)
        want[i] = dy[srcIndex(i, x, kept)] / (mean ? double(count) : 1.0);
      EXPECT_TRUE(near(g, want, 0, 1e-6))
          << "axes " << c.axes.size() << " keepdim " << c.keepdim << " mean " << mean;
    }
  }
}

// ---- a large case: the parallel loops agree with the small-case semantics ---------------------

TEST_P(OnBothBackends, LargeTensorsTakeTheParallelPathsCorrectly) {
  const Dims x{2, 8, 64, 65}; // 66560 elements: above the threads' threshold
  const int64_t n = numel(x);
  std::mt19937 rng(23);
  std::vector<float> a = uniform(n, rng, -2, 2), b = uniform(n, rng, -2, 2);
  // A broadcast comparison against a per-channel tensor, where, a loss, a reduce_grad.
  std::vector<float> c = uniform(8, rng, -1, 1);
  HostTensor less = run1(be(), OpKind::Less, NoAttrs{}, {tensor(x, a), tensor({8, 1, 1}, c)},
                         typed(x, DType::Bool));
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += (less.storage[i] != 0) != (a[i] < c[(i / (64 * 65)) % 8]);
  EXPECT_EQ(bad, 0);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  EXPECT_TRUE(near(run1(be(), OpKind::MseLoss, LossAttrs{}, {tensor(x, a), tensor(x, b)}, f32({})),
                   {sum / double(n)}, 0, 1e-6));
  ReduceGradAttrs at;
  at.axes = {0, 2};
  at.mean = true;
  for (int64_t d : x)
    at.shape.push_back(Dim::constant(d));
  std::vector<float> dy = uniform(8 * 65, rng, -1, 1);
  HostTensor g = run1(be(), OpKind::ReduceGrad, at, {tensor({8, 65}, dy)}, f32(x));
  std::vector<double> want(n);
  for (int64_t i = 0; i < n; ++i)
    want[i] = dy[srcIndex(i, x, {1, 8, 1, 65})] / 128.0;
  EXPECT_TRUE(near(g, want, 0, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(TrainKernels, OnBothBackends, ::testing::Values("cpu", "reference"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace llie::bt
