// Tests of the per-group normalisation kernels (instancenorm, also on the first channels only,
// layernorm, l2_normalize) and of drop_path / drop_path_train. The norms run on the cpu backend
// against the reference oracle (the CpuMatchesReference table) and both backends against naive
// formulas evaluated in double here; drop_path_train's masks are checked for their statistics
// over many steps, exact scaling of the kept samples and determinism in (node seed, step).
#include "backends/train/train_kernels.h"
#include "tests/backends/backend_test_util.h"

#include <cmath>

namespace llie::bt {
namespace {

std::vector<Case> normCases() {
  std::vector<Case> v;
  v.emplace_back("instancenorm", OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1},
                 std::vector<Dims>{{2, 5, 6, 7}, {5}, {5}}, Dims{2, 5, 6, 7});
  v.emplace_back("instancenorm_first_two", OpKind::InstanceNorm,
                 NormAttrs{.eps = 1e-5, .axis = 1, .channels = 2},
                 std::vector<Dims>{{3, 4, 5, 3}, {2}, {2}}, Dims{3, 4, 5, 3});
  v.emplace_back("instancenorm_big", OpKind::InstanceNorm,
                 NormAttrs{.eps = 1e-5, .axis = 1, .channels = 8},
                 std::vector<Dims>{{2, 16, 32, 40}, {8}, {8}}, Dims{2, 16, 32, 40});
  v.emplace_back("layernorm", OpKind::LayerNorm, NormAttrs{.eps = 1e-6, .axis = 2},
                 std::vector<Dims>{{2, 7, 192}, {192}, {192}}, Dims{2, 7, 192});
  v.emplace_back("layernorm_odd", OpKind::LayerNorm, NormAttrs{.eps = 1e-5, .axis = 1},
                 std::vector<Dims>{{5, 3}, {3}, {3}}, Dims{5, 3});
  v.emplace_back("l2_normalize_channels", OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = 1},
                 std::vector<Dims>{{2, 6, 5, 4}}, Dims{2, 6, 5, 4});
  v.emplace_back("l2_normalize_last", OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = -1},
                 std::vector<Dims>{{3, 4, 64}}, Dims{3, 4, 64});
  v.emplace_back("l2_normalize_first", OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = 0},
                 std::vector<Dims>{{5, 9}}, Dims{5, 9});
  return v;
}

INSTANTIATE_TEST_SUITE_P(CpuNorms, CpuMatchesReference, ::testing::ValuesIn(normCases()), caseName);

// ---- naive formulas in double ----------------------------------------------------------------

// instancenorm: groups are (n, c) rows of S values; channels >= c0 are copied.
HostTensor naiveInstanceNorm(const HostTensor& x, const HostTensor& g, const HostTensor& b,
                             int64_t c0, double eps) {
  HostTensor y(x.shape);
  const int64_t N = x.shape[0], C = x.shape[1], S = x.numel() / (N * C);
  for (int64_t r = 0; r < N * C; ++r) {
    const int64_t c = r % C;
    const float* xr = x.f32() + r * S;
    if (c >= c0) {
      for (int64_t s = 0; s < S; ++s)
        y.f32()[r * S + s] = xr[s];
      continue;
    }
    double m = 0, q = 0;
    for (int64_t s = 0; s < S; ++s)
      m += xr[s];
    m /= S;
    for (int64_t s = 0; s < S; ++s)
      q += (xr[s] - m) * (xr[s] - m);
    double sd = std::sqrt(q / S + eps);
    for (int64_t s = 0; s < S; ++s)
      y.f32()[r * S + s] = static_cast<float>((xr[s] - m) / sd * g.f32()[c] + b.f32()[c]);
  }
  return y;
}

HostTensor naiveLayerNorm(const HostTensor& x, const HostTensor& g, const HostTensor& b,
                          double eps) {
  HostTensor y(x.shape);
  const int64_t K = x.shape.back(), rows = x.numel() / K;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.f32() + r * K;
    double m = 0, q = 0;
    for (int64_t k = 0; k < K; ++k)
      m += xr[k];
    m /= K;
    for (int64_t k = 0; k < K; ++k)
      q += (xr[k] - m) * (xr[k] - m);
    double sd = std::sqrt(q / K + eps);
    for (int64_t k = 0; k < K; ++k)
      y.f32()[r * K + k] = static_cast<float>((xr[k] - m) / sd * g.f32()[k] + b.f32()[k]);
  }
  return y;
}

// l2_normalize of a rank-3 [A, B, C] tensor along axis 1.
HostTensor naiveL2Axis1(const HostTensor& x, double eps) {
  HostTensor y(x.shape);
  const int64_t A = x.shape[0], B = x.shape[1], C = x.shape[2];
  for (int64_t a = 0; a < A; ++a)
    for (int64_t c = 0; c < C; ++c) {
      double q = 0;
      for (int64_t k = 0; k < B; ++k)
        q += std::pow(x.f32()[(a * B + k) * C + c], 2);
      double d = std::max(std::sqrt(q), eps);
      for (int64_t k = 0; k < B; ++k)
        y.f32()[(a * B + k) * C + c] = static_cast<float>(x.f32()[(a * B + k) * C + c] / d);
    }
  return y;
}

class NormKernels : public ::testing::TestWithParam<std::string> {};

TEST_P(NormKernels, InstanceNormMatchesTheFormula) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(3);
  for (int64_t c0 : {0, 3}) {
    Dims xs{2, 5, 4, 6};
    int64_t pc = c0 > 0 ? c0 : 5;
    OneNode o = oneNode(OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1, .channels = c0},
                        {xs, {pc}, {pc}}, xs);
    HostTensor x = randomTensor(xs, rng, -3, 5), g = randomTensor({pc}, rng, 0.5f, 2),
               b = randomTensor({pc}, rng, -1, 1);
    auto y = runNode(**be, o.g, o.node, {x, g, b});
    ASSERT_TRUE(y.ok()) << y.status().message();
    EXPECT_TRUE(allClose(*y, naiveInstanceNorm(x, g, b, c0 > 0 ? c0 : 5, 1e-5), 2e-5, 2e-5))
        << "channels " << c0;
    // The pass-through channels (none when c0 = 0) are copied bit for bit.
    for (int64_t i = 0; c0 > 0 && i < 2; ++i)
      for (int64_t k = c0 * 24; k < 5 * 24; ++k)
        ASSERT_EQ(y->f32()[i * 120 + k], x.f32()[i * 120 + k]);
  }
}

TEST_P(NormKernels, LayerNormMatchesTheFormula) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(4);
  Dims xs{3, 5, 48};
  OneNode o = oneNode(OpKind::LayerNorm, NormAttrs{.eps = 1e-6, .axis = 2}, {xs, {48}, {48}}, xs);
  HostTensor x = randomTensor(xs, rng, -2, 4), g = randomTensor({48}, rng, 0.5f, 2),
             b = randomTensor({48}, rng, -1, 1);
  auto y = runNode(**be, o.g, o.node, {x, g, b});
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_TRUE(allClose(*y, naiveLayerNorm(x, g, b, 1e-6), 2e-5, 2e-5));
}

TEST_P(NormKernels, L2NormalizeMatchesTheFormulaAndClampsTinyNorms) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(5);
  Dims xs{2, 7, 5};
  OneNode o = oneNode(OpKind::L2Normalize, NormAttrs{.eps = 1e-3, .axis = 1}, {xs}, xs);
  HostTensor x = randomTensor(xs, rng, -1, 1);
  for (int64_t k = 0; k < 7; ++k) { // column (0, ·, 2) is all zero, column (1, ·, 4) tiny
    x.f32()[k * 5 + 2] = 0;
    x.f32()[(7 + k) * 5 + 4] = 1e-5f * static_cast<float>(k);
  }
  auto y = runNode(**be, o.g, o.node, {x});
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_TRUE(allClose(*y, naiveL2Axis1(x, 1e-3), 1e-6, 1e-5));
  EXPECT_EQ(y->f32()[2], 0.f);
  EXPECT_NEAR(y->f32()[(7 + 3) * 5 + 4], 3e-5 / 1e-3, 1e-6); // x / eps below eps
}

// ---- drop_path ---------------------------------------------------------------------------------

HostTensor scalar(float v) {
  HostTensor t(Dims{});
  t.f32()[0] = v;
  return t;
}

Expected<HostTensor> dropPathTrain(Backend& be, const HostTensor& x, double p, int64_t seed,
                                   float step) {
  OneNode o = oneNode(OpKind::DropPathTrain, DropAttrs{p, seed}, {x.shape, {}}, x.shape);
  return runNode(be, o.g, o.node, {x, scalar(step)});
}

// Per sample: 1 kept (every element x/(1-p) exactly as the kernel's float scale gives it), 0
// dropped (all zero); the test fails for a sample that is neither.
std::vector<int> keptSamples(const HostTensor& x, const HostTensor& y, double p) {
  const int64_t n = x.shape[0], per = x.numel() / n;
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  std::vector<int> kept(n);
  for (int64_t i = 0; i < n; ++i) {
    bool allZero = true, allScaled = true;
    for (int64_t k = 0; k < per; ++k) {
      float xv = x.f32()[i * per + k], yv = y.f32()[i * per + k];
      allZero &= yv == 0.f;
      allScaled &= yv == xv * scale;
    }
    EXPECT_TRUE(allZero || allScaled) << "sample " << i << " is neither dropped nor scaled";
    kept[i] = allScaled && !allZero;
  }
  return kept;
}

TEST_P(NormKernels, DropPathTrainDropsAFractionPAndScalesTheRest) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(6);
  HostTensor x = randomTensor({64, 3, 2}, rng, 0.5f, 1.5f); // no zeros: a drop is visible
  const double p = 0.3;
  int64_t dropped = 0, total = 0;
  for (int step = 0; step < 40; ++step) {
    auto y = dropPathTrain(**be, x, p, 7, static_cast<float>(step));
    ASSERT_TRUE(y.ok()) << y.status().message();
    for (int k : keptSamples(x, *y, p))
      dropped += 1 - k, ++total;
  }
  // 2560 Bernoulli(0.3) draws: the standard deviation of the fraction is 0.009.
  double frac = static_cast<double>(dropped) / static_cast<double>(total);
  std::printf("[drop_path] dropped fraction %.4f (p = %.2f, %lld samples)\n", frac, p,
              static_cast<long long>(total));
  EXPECT_NEAR(frac, p, 0.04);
}

TEST_P(NormKernels, DropPathTrainMasksAreAFunctionOfSeedAndStep) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(8);
  HostTensor x = randomTensor({32, 5}, rng, 0.5f, 1.5f);
  auto a = dropPathTrain(**be, x, 0.5, 3, 10), again = dropPathTrain(**be, x, 0.5, 3, 10);
  auto next = dropPathTrain(**be, x, 0.5, 3, 11), other = dropPathTrain(**be, x, 0.5, 4, 10);
  ASSERT_TRUE(a.ok() && again.ok() && next.ok() && other.ok());
  auto ka = keptSamples(x, *a, 0.5);
  EXPECT_EQ(ka, keptSamples(x, *again, 0.5));
  EXPECT_NE(ka, keptSamples(x, *next, 0.5)); // 32 fair coins agree with chance 2^-32
  EXPECT_NE(ka, keptSamples(x, *other, 0.5));
  for (int64_t i = 0; i < x.numel(); ++i)
    ASSERT_EQ(a->f32()[i], again->f32()[i]);
  // The kernel's decision is the documented hash: dropped exactly when u(seed, step, i) < p.
  for (int64_t i = 0; i < 32; ++i)
    EXPECT_EQ(ka[i], train::dropPathUniform(3, 10, i) >= 0.5 ? 1 : 0) << i;
}

TEST_P(NormKernels, DropPathEdgeRatesAndInference) {
  auto be = createBackend(GetParam());
  ASSERT_TRUE(be.ok());
  std::mt19937 rng(9);
  HostTensor x = randomTensor({6, 4}, rng, -1, 1);
  auto none = dropPathTrain(**be, x, 0.0, 1, 2), all = dropPathTrain(**be, x, 1.0, 1, 2);
  OneNode inf = oneNode(OpKind::DropPath, DropAttrs{0.5}, {x.shape}, x.shape);
  auto id = runNode(**be, inf.g, inf.node, {x});
  ASSERT_TRUE(none.ok() && all.ok() && id.ok());
  for (int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_EQ(none->f32()[i], x.f32()[i]);
    EXPECT_EQ(all->f32()[i], 0.f);
    EXPECT_EQ(id->f32()[i], x.f32()[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, NormKernels, ::testing::Values("cpu", "reference"));

} // namespace
} // namespace llie::bt
