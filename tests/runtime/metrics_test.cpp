// PSNR and SSIM as `llie-run eval` reports them: PSNR against a hand computation, SSIM's basic
// properties (SSIM(x, x) = 1, symmetry), SSIM against a float64 naive-loop oracle written out
// here from the definition, and against an independent reference computed at test time by
// Debian's PyTorch (F.conv2d with the Gaussian window, groups = C, no padding) on a seeded
// random pair; that test skips when /usr/bin/python3 cannot import torch.
#include "runtime/metrics.h"
#include "tests/runtime/tmp_dir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sys/wait.h>

using namespace llie;
using namespace llie::testing;

namespace {

HostTensor filled(std::vector<int64_t> shape, std::vector<float> v) {
  HostTensor t(std::move(shape));
  for (size_t i = 0; i < v.size(); ++i)
    t.f32()[i] = v[i];
  return t;
}

/// A seeded pair: `a` uniform in [0, 1]; `b` = a blurred-ish copy plus noise, clamped, so SSIM
/// lies well inside (0, 1).
std::pair<HostTensor, HostTensor> randomPair(std::vector<int64_t> shape, uint32_t seed) {
  HostTensor a(shape), b(shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::normal_distribution<float> n(0.f, 0.15f);
  for (int64_t i = 0; i < a.numel(); ++i)
    a.f32()[i] = u(rng);
  for (int64_t i = 0; i < a.numel(); ++i) {
    float prev = i > 0 ? a.f32()[i - 1] : a.f32()[i];
    b.f32()[i] = std::min(1.f, std::max(0.f, 0.5f * (a.f32()[i] + prev) + n(rng)));
  }
  return {std::move(a), std::move(b)};
}

/// SSIM straight from the definition: a 2-D 11x11 window, one window position at a time.
double naiveSsim(const HostTensor& a, const HostTensor& b) {
  const int64_t N = a.shape[0], C = a.shape[1], H = a.shape[2], W = a.shape[3];
  double win[11][11], s = 0;
  for (int i = 0; i < 11; ++i)
    for (int j = 0; j < 11; ++j) {
      win[i][j] = std::exp(-((i - 5.0) * (i - 5.0) + (j - 5.0) * (j - 5.0)) / (2 * 1.5 * 1.5));
      s += win[i][j];
    }
  for (auto& r : win)
    for (auto& v : r)
      v /= s;
  const double C1 = 1e-4, C2 = 9e-4;
  double total = 0;
  int64_t count = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const float* x = a.f32() + (n * C + c) * H * W;
      const float* y = b.f32() + (n * C + c) * H * W;
      for (int64_t i = 0; i + 11 <= H; ++i)
        for (int64_t j = 0; j + 11 <= W; ++j) {
          double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
          for (int p = 0; p < 11; ++p)
            for (int q = 0; q < 11; ++q) {
              double xv = x[(i + p) * W + j + q], yv = y[(i + p) * W + j + q], w = win[p][q];
              mx += w * xv;
              my += w * yv;
              xx += w * xv * xv;
              yy += w * yv * yv;
              xy += w * xv * yv;
            }
          double sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
          total += ((2 * mx * my + C1) * (2 * sxy + C2)) /
                   ((mx * mx + my * my + C1) * (sx + sy + C2));
          ++count;
        }
    }
  return total / static_cast<double>(count);
}

int shell(const std::string& cmd, std::string& out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void writeRaw(const std::string& path, const HostTensor& t) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(t.f32()), static_cast<std::streamsize>(t.numel() * 4));
}

const char* kTorchSsim = R"PY(
import sys
import numpy as np
import torch
import torch.nn.functional as F
N, C, H, W = map(int, sys.argv[3:7])
a = torch.from_numpy(np.fromfile(sys.argv[1], dtype=np.float32).reshape(N, C, H, W)).double()
b = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).reshape(N, C, H, W)).double()
x = torch.arange(11, dtype=torch.float64) - 5
g = torch.exp(-x ** 2 / (2 * 1.5 ** 2))
g = g / g.sum()
w = (g[:, None] @ g[None, :]).expand(C, 1, 11, 11).contiguous()
conv = lambda t: F.conv2d(t, w, groups=C)
mu1, mu2 = conv(a), conv(b)
s1 = conv(a * a) - mu1 ** 2
s2 = conv(b * b) - mu2 ** 2
s12 = conv(a * b) - mu1 * mu2
C1, C2 = 0.01 ** 2, 0.03 ** 2
m = ((2 * mu1 * mu2 + C1) * (2 * s12 + C2)) / ((mu1 ** 2 + mu2 ** 2 + C1) * (s1 + s2 + C2))
print(repr(m.mean().item()))
)PY";

} // namespace

TEST(Metrics, PsnrMatchesHandComputation) {
  HostTensor a = filled({1, 1, 2, 2}, {0, 0, 0, 0});
  HostTensor b = filled({1, 1, 2, 2}, {0.5f, 0.25f, 0, 0});
  // MSE = (0.25 + 0.0625) / 4 = 0.078125; PSNR = 10·log10(1 / 0.078125) = 10·log10(12.8).
  auto p = psnr(a, b);
  ASSERT_TRUE(p) << p.status().message();
  EXPECT_NEAR(*p, 11.072099696478683, 1e-12);
  // Same images on a 0..255 scale with dataRange 255: same PSNR.
  HostTensor a255 = a, b255 = filled({1, 1, 2, 2}, {127.5f, 63.75f, 0, 0});
  auto p255 = psnr(a255, b255, 255.0);
  ASSERT_TRUE(p255);
  EXPECT_NEAR(*p255, *p, 1e-12);
  auto same = psnr(b, b);
  ASSERT_TRUE(same);
  EXPECT_TRUE(std::isinf(*same) && *same > 0);
}

TEST(Metrics, PsnrUint8QuantisesFirst) {
  // 0.5 rounds to 128/255, 0.001 to 0, 1.2 clamps to 1.
  HostTensor a = filled({1, 1, 1, 3}, {0.5f, 0.001f, 1.2f});
  HostTensor b = filled({1, 1, 1, 3}, {128.f / 255.f, 0.f, 1.f});
  auto p = psnr(a, b, 1.0, MetricInput::Uint8);
  ASSERT_TRUE(p);
  EXPECT_TRUE(std::isinf(*p));
  auto f = psnr(a, b);
  ASSERT_TRUE(f);
  EXPECT_TRUE(std::isfinite(*f));
}

TEST(Metrics, ErrorsAreValues) {
  HostTensor a({1, 3, 16, 16}), b({1, 3, 16, 17}), small({1, 3, 10, 16}), flat({3, 16, 16});
  auto p = psnr(a, b);
  ASSERT_FALSE(p);
  EXPECT_NE(p.status().message().find("[1, 3, 16, 16] vs [1, 3, 16, 17]"), std::string::npos)
      << p.status().message();
  EXPECT_FALSE(ssim(a, b));
  auto s = ssim(small, small);
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("at least 11x11"), std::string::npos);
  EXPECT_FALSE(ssim(flat, flat));
  EXPECT_FALSE(psnr(HostTensor({0}), HostTensor({0})));
  EXPECT_FALSE(psnr(a, a, 0.0));
}

TEST(Metrics, SsimOfIdenticalImagesIsOne) {
  auto [a, b] = randomPair({2, 3, 24, 30}, 1);
  auto s = ssim(a, a);
  ASSERT_TRUE(s) << s.status().message();
  EXPECT_NEAR(*s, 1.0, 1e-12);
  HostTensor flat({1, 1, 11, 11});
  auto s2 = ssim(flat, flat); // constant images: (C1)(C2) / (C1)(C2)
  ASSERT_TRUE(s2);
  EXPECT_NEAR(*s2, 1.0, 1e-12);
}

TEST(Metrics, SsimIsSymmetricAndBelowOne) {
  auto [a, b] = randomPair({2, 3, 24, 30}, 2);
  auto ab = ssim(a, b), ba = ssim(b, a);
  ASSERT_TRUE(ab && ba);
  EXPECT_NEAR(*ab, *ba, 1e-14);
  EXPECT_GT(*ab, 0.05);
  EXPECT_LT(*ab, 0.95);
}

TEST(Metrics, SsimMatchesNaiveOracle) {
  for (uint32_t seed : {3u, 4u}) {
    auto [a, b] = randomPair({2, 3, 23, 31}, seed);
    auto s = ssim(a, b);
    ASSERT_TRUE(s);
    EXPECT_NEAR(*s, naiveSsim(a, b), 1e-12) << "seed " << seed;
  }
  // Exactly the window size: a single output position per channel.
  auto [a, b] = randomPair({1, 2, 11, 11}, 5);
  EXPECT_NEAR(*ssim(a, b), naiveSsim(a, b), 1e-12);
}

TEST(Metrics, SsimUint8QuantisesBothInputs) {
  auto [a, b] = randomPair({1, 3, 20, 20}, 6);
  auto q = ssim(a, b, MetricInput::Uint8);
  ASSERT_TRUE(q);
  EXPECT_NEAR(*q, naiveSsim(quantizeToUint8(a), quantizeToUint8(b)), 1e-12);
  EXPECT_NE(*q, *ssim(a, b));
}

TEST(Metrics, SsimMatchesPyTorchReference) {
  std::string probe;
  if (shell("/usr/bin/python3 -c 'import torch, numpy'", probe) != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch and numpy (install python3-torch): "
                 << probe;
  TmpDir d;
  const std::vector<int64_t> shape{2, 3, 37, 45};
  auto [a, b] = randomPair(shape, 12345);
  writeRaw(d.path("a.f32"), a);
  writeRaw(d.path("b.f32"), b);
  writeAll(d.path("ssim.py"), kTorchSsim);
  std::string out;
  int rc = shell("/usr/bin/python3 " + d.path("ssim.py") + " " + d.path("a.f32") + " " +
                     d.path("b.f32") + " 2 3 37 45",
                 out);
  ASSERT_EQ(rc, 0) << out;
  // The last line is the value (warnings, if any, come before it).
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  size_t nl = out.rfind('\n');
  double ref = std::stod(nl == std::string::npos ? out : out.substr(nl + 1));
  auto s = ssim(a, b);
  ASSERT_TRUE(s);
  EXPECT_NEAR(*s, ref, 1e-6);
  EXPECT_NEAR(*s, ref, 1e-12) << "float64 on both sides should agree to rounding";
}
