// Seeded initialisation: PyTorch's bounds and moments, determinism per (seed, name), and
// independence between parameters.
#include "runtime/init.h"

#include "runtime/rng.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace llie;

namespace {

ParamAttrs param(std::string name, InitKind k, int64_t fanIn = 0, double value = 0.0) {
  ParamAttrs a;
  a.name = std::move(name);
  a.init = k;
  a.fanIn = fanIn;
  a.value = value;
  return a;
}

struct Moments {
  double mean = 0, var = 0, maxAbs = 0;
};

Moments moments(const HostTensor& t) {
  Moments m;
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i)
    m.mean += t.f32()[i];
  m.mean /= n;
  for (int64_t i = 0; i < n; ++i) {
    double d = t.f32()[i] - m.mean;
    m.var += d * d;
    m.maxAbs = std::max(m.maxAbs, std::fabs(static_cast<double>(t.f32()[i])));
  }
  m.var /= n;
  return m;
}

std::vector<float> values(const HostTensor& t) {
  return {t.f32(), t.f32() + t.numel()};
}

} // namespace

TEST(Init, KaimingBoundIsOneOverSqrtFanIn) {
  for (int64_t fan : {1, 3, 27, 288, 4608})
    EXPECT_NEAR(kaimingUniformBound(fan), 1.0 / std::sqrt(static_cast<double>(fan)), 1e-15);
}

TEST(Init, ConstantRules) {
  HostTensor t({2, 3});
  ASSERT_TRUE(initParam(t, param("a", InitKind::Ones), 1).isOk());
  EXPECT_EQ(values(t), std::vector<float>(6, 1.0f));
  ASSERT_TRUE(initParam(t, param("a", InitKind::Zeros), 1).isOk());
  EXPECT_EQ(values(t), std::vector<float>(6, 0.0f));
  ASSERT_TRUE(initParam(t, param("a", InitKind::Constant, 0, -0.25), 1).isOk());
  EXPECT_EQ(values(t), std::vector<float>(6, -0.25f));
  HostTensor i({3}, DType::I64);
  ASSERT_TRUE(initParam(i, param("steps", InitKind::Constant, 0, 7), 1).isOk());
  EXPECT_EQ(reinterpret_cast<int64_t*>(i.storage.data())[2], 7);
  HostTensor d({2}, DType::F64);
  ASSERT_TRUE(initParam(d, param("d", InitKind::Ones), 1).isOk());
  EXPECT_EQ(reinterpret_cast<double*>(d.storage.data())[1], 1.0);
}

TEST(Init, UniformRulesStayInBoundsWithTheRightMoments) {
  const int64_t n = 1 << 20;
  for (auto [kind, fan] : {std::pair{InitKind::KaimingUniform, int64_t{27}},
                           std::pair{InitKind::UniformFanIn, int64_t{576}}}) {
    HostTensor t({n});
    ASSERT_TRUE(initParam(t, param("w", kind, fan), 42).isOk());
    const double b = 1.0 / std::sqrt(static_cast<double>(fan));
    Moments m = moments(t);
    EXPECT_LE(m.maxAbs, static_cast<float>(b));
    EXPECT_GT(m.maxAbs, 0.999 * b); // the range is actually used
    // U(-b, b): mean 0, variance b²/3; tolerances are 5 standard errors.
    EXPECT_NEAR(m.mean, 0.0, 5 * b / std::sqrt(3.0 * n));
    EXPECT_NEAR(m.var, b * b / 3, 5 * std::sqrt(4.0 / 45) * b * b / std::sqrt(double(n)));
  }
}

TEST(Init, NormalHasTheRequestedSpread) {
  const int64_t n = 1 << 20;
  const double sigma = 0.02;
  HostTensor t({n});
  ASSERT_TRUE(initParam(t, param("emb", InitKind::Normal, 0, sigma), 7).isOk());
  Moments m = moments(t);
  EXPECT_NEAR(m.mean, 0.0, 5 * sigma / std::sqrt(double(n)));
  EXPECT_NEAR(m.var, sigma * sigma, 5 * std::sqrt(2.0) * sigma * sigma / std::sqrt(double(n)));
  int64_t within = 0;
  for (int64_t i = 0; i < n; ++i)
    within += std::fabs(t.f32()[i]) <= sigma;
  EXPECT_NEAR(double(within) / n, 0.682689, 0.003);
  EXPECT_GT(m.maxAbs, 4 * sigma); // tails exist
}

TEST(Init, StreamsDependOnlyOnSeedAndName) {
  auto draw = [](const std::string& name, uint64_t seed, int64_t n = 64) {
    HostTensor t({n});
    EXPECT_TRUE(initParam(t, param(name, InitKind::KaimingUniform, 9), seed).isOk());
    return values(t);
  };
  EXPECT_EQ(draw("enc.conv1.weight", 0), draw("enc.conv1.weight", 0));
  EXPECT_NE(draw("enc.conv1.weight", 0), draw("enc.conv2.weight", 0));
  EXPECT_NE(draw("enc.conv1.weight", 0), draw("enc.conv1.weight", 1));
  // A longer tensor of the same name starts with the same values.
  auto longer = draw("x", 3, 128);
  auto shorter = draw("x", 3, 64);
  EXPECT_TRUE(std::equal(shorter.begin(), shorter.end(), longer.begin()));
  // The generator is frozen: these numbers must never change (checkpoint-free runs and tests
  // elsewhere depend on them).
  Rng r = Rng::forName(0, "w");
  EXPECT_EQ(r.next(), 9712791444769061709ull);
  auto golden = draw("enc.conv1.weight", 2024, 3);
  EXPECT_NEAR(golden[0], 0.0252937, 1e-6);
  EXPECT_NEAR(golden[1], -0.0581404, 1e-6);
  EXPECT_NEAR(golden[2], 0.118377, 1e-6);
}

TEST(Init, GeneratorMatchesTheReferenceAlgorithms) {
  // splitmix64 from state 0 and xoshiro256** from state {1, 2, 3, 4}, as in Vigna's reference C.
  uint64_t sm = 0;
  EXPECT_EQ(splitmix64(sm), 0xE220A8397B1DCDAFull);
  Rng x = Rng::fromState(1, 2, 3, 4);
  EXPECT_EQ(x.next(), 11520ull);
  EXPECT_EQ(x.next(), 0ull);
  EXPECT_EQ(x.next(), 1509978240ull);
  EXPECT_EQ(x.next(), 1215971899390074240ull);
  EXPECT_EQ(fnv1a64(""), 0xCBF29CE484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xAF63DC4C8601EC8Cull);
}

TEST(Init, RefusesImpossibleRequests) {
  HostTensor t({4});
  Status s = initParam(t, param("w", InitKind::KaimingUniform, 0), 1);
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.message(),
            "cannot initialise parameter 'w': kaiming_uniform needs a positive fan_in, got 0");
  HostTensor i({4}, DType::I32);
  Status si = initParam(i, param("idx", InitKind::Normal, 0, 1.0), 1);
  ASSERT_FALSE(si.isOk());
  EXPECT_NE(si.message().find("normal needs an f32 or f64 tensor, not i32"), std::string::npos);
  EXPECT_FALSE(initParam(t, param("n", InitKind::Normal, 0, -1.0), 1).isOk());
  HostTensor empty({0, 3});
  EXPECT_TRUE(initParam(empty, param("e", InitKind::KaimingUniform, 3), 1).isOk());
}
