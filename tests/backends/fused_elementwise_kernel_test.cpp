// The fused_elementwise kernel on both host backends: broadcast operands (a scalar, a
// per-channel tensor, a row vector, a bool condition spread along the innermost axis) against
// naive loops in double; a large threaded chain written in place over its first input against
// naive float loops; and every fusible op, fused alone, against that op's own kernel on the
// same backend (bit for bit where the unfused kernel is exact arithmetic; for exp, log, tanh,
// sigmoid, silu, gelu and pow_scalar within the differences of the math libraries).
#include "compiler/ops/fused_expr.h"
#include "tests/backends/train_kernels_util.h"

using namespace llie;
using namespace llie::bt;

namespace {

class FusedKernel : public ::testing::TestWithParam<std::string> {
protected:
  const std::string& be() const { return GetParam(); }
};

HostTensor random(const Dims& shape, std::mt19937& rng, float lo, float hi) {
  return tensor(shape, uniform(numel(shape), rng, lo, hi));
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

} // namespace

TEST_P(FusedKernel, BroadcastOperandsMatchNaiveLoops) {
  std::mt19937 rng(3);
  const Dims y = {2, 3, 4, 5}, cShape = {1, 3, 1, 1}, condShape = {2, 1, 4, 1}, wShape = {5};
  HostTensor x = random(y, rng, -2, 2), c = random(cShape, rng, -1, 1), s = scalar(0.75f);
  HostTensor w = random(wShape, rng, -1, 1);
  std::vector<int> bits;
  for (int i = 0; i < 8; ++i)
    bits.push_back((i * 5 + 1) % 3 != 0);
  HostTensor cond = boolTensor(condShape, bits);
  // sigmoid(x) is read twice: a statement of its own.
  const std::string expr = "sigmoid(%0); where(%3, add(mul($0, %1), %2), sub(mul(%0, %4), $0))";
  HostTensor got =
      run1(be(), OpKind::FusedElementwise, FusedElementwiseAttrs{expr}, {x, c, s, cond, w}, f32(y));
  std::vector<double> want(numel(y));
  for (int64_t i = 0; i < numel(y); ++i) {
    double xv = x.f32()[i], sg = sigmoid(xv);
    bool pick = cond.storage[srcIndex(i, y, condShape)] != 0;
    want[i] = pick ? sg * c.f32()[srcIndex(i, y, cShape)] + 0.75
                   : xv * w.f32()[srcIndex(i, y, wShape)] - sg;
  }
  EXPECT_TRUE(near(got, want, 1e-6, 1e-6));
}

TEST_P(FusedKernel, LargeChainInPlaceOverItsFirstInput) {
  // 60000 elements: several threads, rows of 20000 (one per channel) in blocks.
  std::mt19937 rng(4);
  const Dims y = {1, 3, 100, 200}, aShape = {1, 3, 1, 1};
  HostTensor x = random(y, rng, 0, 1), a = random(aShape, rng, -1, 1);
  const std::string expr = "add(%0, mul(%1, sub(mul(%0, %0), %0))); relu6(mul($0, %2))";
  auto r = runOp(be(), OpKind::FusedElementwise, FusedElementwiseAttrs{expr}, {x, a, scalar(8.f)},
                 {f32(y)}, {0});
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<double> want(numel(y));
  for (int64_t i = 0; i < numel(y); ++i) {
    float v = x.f32()[i], al = a.f32()[srcIndex(i, y, aShape)];
    float sq = v * v;
    float d = sq - v;
    float t = al * d;
    float e = v + t;
    float z = e * 8.f;
    want[i] = std::min(std::max(z, 0.f), 6.f);
  }
  EXPECT_TRUE(near((*r)[0], want, 0, 1e-6));
}

namespace {

struct OpCase {
  OpKind op;
  Attrs attrs;
  float lo = -3.f, hi = 3.f;
  bool exact = true; ///< the unfused kernel is exact arithmetic on both backends
};

std::vector<OpCase> opCases() {
  return {
      {OpKind::Neg, NoAttrs{}},
      {OpKind::Relu, NoAttrs{}},
      {OpKind::Relu6, NoAttrs{}, -3.f, 9.f},
      {OpKind::LeakyRelu, LeakyReluAttrs{0.25}}, // a slope float holds exactly
      {OpKind::Sigmoid, NoAttrs{}, -3.f, 3.f, false},
      {OpKind::Tanh, NoAttrs{}, -3.f, 3.f, false},
      {OpKind::Silu, NoAttrs{}, -3.f, 3.f, false},
      {OpKind::Gelu, NoAttrs{}, -3.f, 3.f, false},
      {OpKind::Exp, NoAttrs{}, -3.f, 3.f, false},
      {OpKind::Log, NoAttrs{}, 0.05f, 3.f, false},
      {OpKind::Sqrt, NoAttrs{}, 0.f, 3.f},
      {OpKind::Abs, NoAttrs{}},
      {OpKind::Sign, NoAttrs{}},
      {OpKind::Square, NoAttrs{}},
      {OpKind::PowScalar, PowScalarAttrs{2.5}, 0.05f, 3.f, false},
      {OpKind::Clamp, ClampAttrs{-0.5, 1.0}},
      {OpKind::Sin, NoAttrs{}},
      {OpKind::Cos, NoAttrs{}},
      {OpKind::Acos, NoAttrs{}, -0.99f, 0.99f},
      {OpKind::StopGrad, NoAttrs{}},
      {OpKind::Add, NoAttrs{}},
      {OpKind::Sub, NoAttrs{}},
      {OpKind::Mul, NoAttrs{}},
      {OpKind::Div, NoAttrs{}, 0.25f, 3.f},
      {OpKind::Pow, NoAttrs{}, 0.05f, 2.f},
      {OpKind::Maximum, NoAttrs{}},
      {OpKind::Minimum, NoAttrs{}},
      {OpKind::Atan2, NoAttrs{}},
      {OpKind::Prelu, NoAttrs{}},
      {OpKind::Where, NoAttrs{}},
  };
}

} // namespace

TEST_P(FusedKernel, EveryFusibleOpComputesWhatItsOwnKernelComputes) {
  std::mt19937 rng(5);
  const Dims y = {2, 3, 8, 9};
  std::vector<OpCase> cases = opCases();
  size_t fusible = 0;
  for (size_t i = 0; i < kNumOps; ++i)
    fusible += isFusibleElementwise(static_cast<OpKind>(i));
  EXPECT_EQ(cases.size(), fusible) << "every fusible op has a case";
  for (const OpCase& c : cases) {
    SCOPED_TRACE(opName(c.op));
    FusedProgram p;
    std::vector<HostTensor> ins;
    FusedStep step{c.op, {}, c.attrs};
    for (int k = 0; k < opInfo(c.op).minInputs; ++k) {
      if (c.op == OpKind::Where && k == 0) {
        std::vector<int> bits(numel(y));
        for (size_t i = 0; i < bits.size(); ++i)
          bits[i] = (i * 7) % 5 < 2;
        ins.push_back(boolTensor(y, bits));
      } else {
        ins.push_back(random(y, rng, c.lo, c.hi));
      }
      step.args.push_back(k);
    }
    p.numInputs = static_cast<int32_t>(ins.size());
    p.steps.push_back(step);
    HostTensor fused = run1(be(), OpKind::FusedElementwise,
                            FusedElementwiseAttrs{formatFusedProgram(p)}, ins, f32(y));
    HostTensor own = run1(be(), c.op, c.attrs, ins, f32(y));
    std::vector<double> want(own.f32(), own.f32() + own.numel());
    // The library functions: libm in float against oneDNN's vectorised approximations (its log
    // is up to 3.5e-6 off near 1 here) or the reference's double rounded once.
    EXPECT_TRUE(near(fused, want, c.exact ? 0 : 4e-6, c.exact ? 0 : 2e-6));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FusedKernel, ::testing::Values("cpu", "reference"),
                         [](const auto& i) { return i.param; });
