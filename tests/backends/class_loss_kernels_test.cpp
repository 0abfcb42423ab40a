// Tests of the class-loss and selection kernels (backends/train/class_losses.cpp and
// select_reductions.cpp) on both host backends: cross_entropy (class indices, probabilities,
// label smoothing, dense [N, K, H, W], a last class axis), kl_div with a temperature and
// class_loss_grad against naive double formulas written here (softmax as exp / Σ exp, no
// shift), and against PyTorch 1.13 in float64 (tests/parity/class_losses.py: F.cross_entropy,
// F.kl_div distillation form, autograd gradients; skipped when torch is missing); argmax (ties,
// NaN) and kth_value (contiguous and scattered axes, fractions at the ends) against naive
// loops and sorting.
#include "tests/backends/select_cases.h"
#include "tests/backends/train_kernels_util.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include "compiler/ops/shape_rules.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace llie::bt {
namespace {

class ClassLossKernels : public ::testing::TestWithParam<std::string> {
protected:
  std::string be() const { return GetParam(); }
};

HostTensor indexTensor(const Dims& shape, const std::vector<int64_t>& v) {
  HostTensor t(shape, DType::I64);
  std::memcpy(t.storage.data(), v.data(), t.storage.size());
  return t;
}

/// A class-loss case: logits, a target (indices or floats) and the settings.
struct CL {
  std::string op = "cross_entropy";
  Dims shape;
  int64_t axis = 1;
  double eps = 0.0, tau = 1.0;
  bool indices = false;
  std::vector<float> z, t; ///< t: a distribution or teacher logits (floats)
  std::vector<int64_t> c;  ///< t: class indices
  Dims tShape;

  int64_t ax() const { return axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis; }
  int64_t classes() const { return shape[ax()]; }
  int64_t inner() const {
    int64_t n = 1;
    for (size_t d = ax() + 1; d < shape.size(); ++d)
      n *= shape[d];
    return n;
  }
  int64_t samples() const { return numel(shape) / classes(); }
  int64_t at(int64_t s, int64_t k) const {
    return (s / inner()) * classes() * inner() + s % inner() + k * inner();
  }
  HostTensor target() const { return indices ? indexTensor(tShape, c) : tensor(tShape, t); }
  ClassLossAttrs attrs() const { return {axis, eps, tau}; }
};

/// softmax(v / tau) over one sample, naively.
std::vector<double> naiveSoftmax(const std::vector<double>& v, double tau) {
  double s = 0;
  for (double x : v)
    s += std::exp(x / tau);
  std::vector<double> p;
  for (double x : v)
    p.push_back(std::exp(x / tau) / s);
  return p;
}

/// The naive loss and gradient (dy = 1) of a case.
std::pair<double, std::vector<double>> naive(const CL& k) {
  const int64_t K = k.classes(), S = k.samples();
  double loss = 0;
  std::vector<double> grad(k.z.size());
  for (int64_t s = 0; s < S; ++s) {
    std::vector<double> z, t(K, 0.0);
    for (int64_t j = 0; j < K; ++j)
      z.push_back(k.z[k.at(s, j)]);
    if (k.op == "kl_div") {
      std::vector<double> zt;
      for (int64_t j = 0; j < K; ++j)
        zt.push_back(k.t[k.at(s, j)]);
      auto p = naiveSoftmax(z, k.tau), q = naiveSoftmax(zt, k.tau);
      for (int64_t j = 0; j < K; ++j) {
        loss += k.tau * k.tau * q[j] * (std::log(q[j]) - std::log(p[j])) / S;
        grad[k.at(s, j)] = k.tau * (p[j] - q[j]) / S;
      }
      continue;
    }
    for (int64_t j = 0; j < K; ++j) {
      double raw = k.indices ? (j == k.c[s] ? 1.0 : 0.0) : k.t[k.at(s, j)];
      t[j] = (1 - k.eps) * raw + k.eps / K;
    }
    auto p = naiveSoftmax(z, 1.0);
    double tsum = 0;
    for (double x : t)
      tsum += x;
    for (int64_t j = 0; j < K; ++j) {
      loss -= t[j] * std::log(p[j]) / S;
      grad[k.at(s, j)] = (tsum * p[j] - t[j]) / S;
    }
  }
  return {loss, grad};
}

/// A case with random logits and a random target of the right kind.
CL randomCase(std::string op, Dims shape, int64_t axis, bool indices, double eps, double tau,
              unsigned seed) {
  std::mt19937 rng(seed);
  CL k;
  k.op = std::move(op);
  k.shape = std::move(shape);
  k.axis = axis;
  k.eps = eps;
  k.tau = tau;
  k.indices = indices;
  k.z = uniform(numel(k.shape), rng, -3, 3);
  if (indices) {
    k.tShape = k.shape;
    k.tShape.erase(k.tShape.begin() + k.ax());
    std::uniform_int_distribution<int64_t> u(0, k.classes() - 1);
    for (int64_t s = 0; s < k.samples(); ++s)
      k.c.push_back(u(rng));
    return k;
  }
  k.tShape = k.shape;
  k.t = uniform(numel(k.shape), rng, -3, 3);
  if (k.op == "kl_div") return k;
  for (int64_t s = 0; s < k.samples(); ++s) { // a distribution per sample
    double sum = 0;
    for (int64_t j = 0; j < k.classes(); ++j)
      sum += std::exp(k.t[k.at(s, j)]);
    for (int64_t j = 0; j < k.classes(); ++j)
      k.t[k.at(s, j)] = static_cast<float>(std::exp(k.t[k.at(s, j)]) / sum);
  }
  return k;
}

std::vector<CL> lossCases() {
  return {randomCase("cross_entropy", {5, 7}, 1, true, 0.0, 1, 1),
          randomCase("cross_entropy", {5, 7}, 1, false, 0.0, 1, 2),
          randomCase("cross_entropy", {5, 7}, 1, true, 0.1, 1, 3),
          randomCase("cross_entropy", {4, 6}, 1, false, 0.25, 1, 4),
          randomCase("cross_entropy", {2, 4, 3, 5}, 1, true, 0.0, 1, 5),
          randomCase("cross_entropy", {2, 4, 3, 5}, 1, false, 0.1, 1, 6),
          randomCase("cross_entropy", {3, 2, 6}, -1, true, 0.0, 1, 7),
          randomCase("kl_div", {5, 7}, 1, false, 0.0, 1.0, 8),
          randomCase("kl_div", {5, 7}, 1, false, 0.0, 2.0, 9),
          randomCase("kl_div", {2, 4, 3, 3}, 1, false, 0.0, 3.0, 10)};
}

OpKind kindOf(const CL& k) {
  return k.op == "kl_div" ? OpKind::KlDiv : OpKind::CrossEntropy;
}

HostTensor runLoss(const std::string& be, const CL& k) {
  return run1(be, kindOf(k), k.attrs(), {tensor(k.shape, k.z), k.target()}, f32({}));
}

HostTensor runGrad(const std::string& be, const CL& k, float dy) {
  ClassLossGradAttrs a{k.op, k.axis, k.eps, k.tau};
  return run1(be, OpKind::ClassLossGrad, a, {tensor(k.shape, k.z), k.target(), scalar(dy)},
              f32(k.shape));
}

TEST_P(ClassLossKernels, LossAndGradientMatchNaiveDouble) {
  double worstLoss = 0, worstGrad = 0;
  for (const CL& k : lossCases()) {
    auto [want, grad] = naive(k);
    HostTensor y = runLoss(be(), k);
    EXPECT_TRUE(near(y, {want}, 1e-6, 1e-6)) << k.op << " case eps " << k.eps;
    worstLoss = std::max(worstLoss, std::fabs(y.f32()[0] - want));
    for (double& g : grad)
      g *= 0.5; // dy = 0.5
    HostTensor dz = runGrad(be(), k, 0.5f);
    EXPECT_TRUE(near(dz, grad, 1e-7, 1e-5)) << k.op << " case eps " << k.eps;
    for (size_t i = 0; i < grad.size(); ++i)
      worstGrad = std::max(worstGrad, std::fabs(dz.f32()[i] - grad[i]));
  }
  std::printf("[class losses] %s: max |loss - naive| %.3g, max |grad - naive| %.3g\n", be().c_str(),
              worstLoss, worstGrad);
}

TEST_P(ClassLossKernels, LargeLogitsStayFinite) {
  // A naive exp would overflow: the kernels subtract the maximum first.
  CL k{"cross_entropy", {2, 3}, 1, 0.0, 1.0, true, {1000, 0, -1000, 5, 5, 2000}, {}, {1, 0}, {2}};
  EXPECT_TRUE(near(runLoss(be(), k), {(1000.0 + 1995.0) / 2}, 1e-3, 1e-6));
  CL kl{"kl_div", {1, 2}, 1, 0.0, 2.0, false, {800, 0}, {0, 800}, {}, {1, 2}};
  EXPECT_TRUE(near(runLoss(be(), kl), {4.0 * 400.0}, 1e-2, 1e-6)); // τ²·(800/τ) nats
}

TEST_P(ClassLossKernels, IndexOutOfRangeGivesNaN) {
  CL k{"cross_entropy", {2, 3}, 1, 0.0, 1.0, true, {0, 1, 2, 3, 4, 5}, {}, {0, 3}, {2}};
  EXPECT_TRUE(std::isnan(runLoss(be(), k).f32()[0]));
  HostTensor dz = runGrad(be(), k, 1.f);
  EXPECT_FALSE(std::isnan(dz.f32()[0]));
  EXPECT_TRUE(std::isnan(dz.f32()[3]));
}

TEST(ClassLossShapes, KlDivRefusesClassIndicesAndBadShapes) {
  SymbolTable syms;
  TensorType z = f32({4, 5}), idx = f32({4});
  idx.dtype = DType::I64;
  auto r = inferTypes(OpKind::KlDiv, ClassLossAttrs{}, {z, idx}, syms);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("teacher must be logits"), std::string::npos);
  EXPECT_TRUE(inferTypes(OpKind::CrossEntropy, ClassLossAttrs{}, {z, idx}, syms).ok());
  EXPECT_FALSE(inferTypes(OpKind::CrossEntropy, ClassLossAttrs{}, {z, f32({4, 4})}, syms).ok());
  EXPECT_FALSE(inferTypes(OpKind::CrossEntropy, ClassLossAttrs{2}, {z, f32({4, 5})}, syms).ok());
}

TEST(ClassLossParity, MatchesPyTorch) {
  if (!llie::testing::torchAvailable())
    GTEST_SKIP() << "PyTorch is not importable by /usr/bin/python3 (install python3-torch)";
  llie::testing::TmpDir d;
  std::vector<CL> cases = lossCases();
  nlohmann::json in = nlohmann::json::array();
  for (const CL& k : cases) {
    nlohmann::json j{{"op", k.op},   {"shape", k.shape},     {"axis", k.axis},      {"eps", k.eps},
                     {"tau", k.tau}, {"indices", k.indices}, {"t_shape", k.tShape}, {"z", k.z}};
    if (k.indices)
      j["t"] = k.c;
    else
      j["t"] = k.t;
    in.push_back(j);
  }
  llie::testing::writeAll(d.path("in.json"), in.dump());
  std::string cmd = "/usr/bin/python3 " + llie::testing::repoPath("tests/parity/class_losses.py") +
                    " " + d.path("in.json") + " " + d.path("out.json");
  auto res = llie::testing::run(cmd);
  ASSERT_EQ(res.code, 0) << cmd << "\n" << res.output;
  auto out = nlohmann::json::parse(llie::testing::readAll(d.path("out.json")));
  ASSERT_EQ(out.size(), cases.size());
  double worstLoss = 0, worstGrad = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    double want = out[i]["loss"];
    std::vector<double> grad = out[i]["grad"].get<std::vector<double>>();
    HostTensor y = runLoss("cpu", cases[i]);
    EXPECT_TRUE(near(y, {want}, 1e-6, 1e-6)) << "case " << i;
    HostTensor dz = runGrad("cpu", cases[i], 1.f);
    EXPECT_TRUE(near(dz, grad, 1e-7, 1e-5)) << "case " << i;
    worstLoss = std::max(worstLoss, std::fabs(y.f32()[0] - want));
    for (size_t e = 0; e < grad.size(); ++e)
      worstGrad = std::max(worstGrad, std::fabs(dz.f32()[e] - grad[e]));
  }
  std::printf("[class losses] vs torch: max |loss diff| %.3g, max |grad diff| %.3g\n", worstLoss,
              worstGrad);
}

// ---- argmax and kth_value -----------------------------------------------------------------------

std::vector<int64_t> indicesOf(const HostTensor& t) {
  std::vector<int64_t> v(t.numel());
  std::memcpy(v.data(), t.storage.data(), t.storage.size());
  return v;
}

TEST_P(ClassLossKernels, ArgMaxMatchesNaiveLoopsWithTiesAndNaN) {
  std::mt19937 rng(11);
  HostTensor x = randomTensor({2, 5, 3, 4}, rng, -1, 1);
  for (int64_t i = 0; i < x.numel(); i += 7)
    x.f32()[i] = 0.75f; // ties at the maximum
  for (int64_t axis : kArgMaxAxes) {
    const int64_t ax = axis < 0 ? axis + 4 : axis;
    Dims outShape = x.shape;
    outShape.erase(outShape.begin() + ax);
    TensorType ot = f32(outShape);
    ot.dtype = DType::I64;
    std::vector<int64_t> got = indicesOf(run1(be(), OpKind::ArgMax, AxisAttrs{axis}, {x}, ot));
    int64_t inner = 1;
    for (int64_t d = ax + 1; d < 4; ++d)
      inner *= x.shape[d];
    const int64_t len = x.shape[ax];
    for (int64_t s = 0; s < numel(outShape); ++s) {
      const float* v = x.f32() + (s / inner) * len * inner + s % inner;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k)
        if (v[k * inner] > v[best * inner]) best = k; // strict: the first maximum stays
      ASSERT_EQ(got[s], best) << "axis " << axis << " sample " << s;
    }
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  TensorType ot = f32({2});
  ot.dtype = DType::I64;
  HostTensor y =
      run1(be(), OpKind::ArgMax, AxisAttrs{1}, {tensor({2, 4}, {1, nan, 5, nan, 2, 9, 9, 3})}, ot);
  EXPECT_EQ(indicesOf(y), (std::vector<int64_t>{1, 1})); // the first NaN; the first of ties
}

/// The k-th smallest of each group, by sorting (k = int(fraction·count − 1) + 1).
std::vector<double> naiveKth(const HostTensor& x, const std::vector<int64_t>& axes,
                             double fraction) {
  const Dims& s = x.shape;
  std::map<std::vector<int64_t>, std::vector<double>> groups;
  Dims idx(s.size(), 0);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i;
    for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
      idx[d] = rem % s[d];
      rem /= s[d];
    }
    std::vector<int64_t> key = idx;
    for (int64_t a : axes)
      key[a] = 0;
    groups[key].push_back(x.f32()[i]);
  }
  std::vector<double> out;
  for (auto& [key, v] : groups) { // std::map orders keys row-major, as the output
    std::sort(v.begin(), v.end());
    int64_t k = static_cast<int64_t>(fraction * static_cast<double>(v.size()) - 1) + 1;
    k = std::clamp<int64_t>(k, 1, static_cast<int64_t>(v.size()));
    out.push_back(v[k - 1]);
  }
  return out;
}

TEST_P(ClassLossKernels, KthValueMatchesSorting) {
  std::mt19937 rng(12);
  HostTensor x = randomTensor({3, 4, 5, 6}, rng, -1, 1);
  for (const KthCase& c : kKthCases) {
    Dims out = x.shape;
    for (int64_t a : c.axes)
      out[a < 0 ? a + 4 : a] = 1;
    std::vector<int64_t> norm;
    for (int64_t a : c.axes)
      norm.push_back(a < 0 ? a + 4 : a);
    HostTensor y = run1(be(), OpKind::KthValue, KthValueAttrs{c.axes, c.fraction}, {x}, f32(out));
    EXPECT_TRUE(near(y, naiveKth(x, norm, c.fraction), 0, 0)) << "fraction " << c.fraction;
  }
  // MBLLEN's threshold on 10 values at 0.4: int(4 − 1) + 1 = the 4th smallest.
  HostTensor v = tensor({1, 1, 2, 5}, {9, 3, 7, 1, 5, 0, 8, 2, 6, 4});
  EXPECT_TRUE(
      near(run1(be(), OpKind::KthValue, KthValueAttrs{{1, 2, 3}, 0.4}, {v}, f32({1, 1, 1, 1})),
           {3.0}, 0, 0));
}

INSTANTIATE_TEST_SUITE_P(Host, ClassLossKernels, ::testing::Values("cpu", "reference"));

} // namespace
} // namespace llie::bt
