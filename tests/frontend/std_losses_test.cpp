// The standard losses of models/std/losses.llie (SSIM, MS-SSIM, LogMSE, LogDomainMSE, TV,
// GradientLoss, RegionLoss, SAD, InfoNCE) and the primitive loss ops as the language calls them
// (l1_loss, mse_loss, smooth_l1_loss(beta=), huber_loss(delta=), bce_with_logits, cross_entropy,
// kl_div): each is elaborated, specialised and run forward through the Executor on the "cpu" and
// "reference" backends, and compared with a naive float64 implementation written here from
// model-zoo.md §9 and flagship-model.md (SSIM also with runtime/metrics.h's ssim, which has the
// same definition).
#include "compiler/passes/specialize.h"
#include "runtime/metrics.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace llie;
using namespace llie::testing;

namespace {

/// A tensor in [N, C, H, W] with double access for the naive implementations.
struct Img {
  int64_t n, c, h, w;
  std::vector<double> v;
  Img(int64_t n_, int64_t c_, int64_t h_, int64_t w_)
      : n(n_), c(c_), h(h_), w(w_), v(n * c * h * w) {}
  double& at(int64_t i, int64_t k, int64_t y, int64_t x) {
    return v[((i * c + k) * h + y) * w + x];
  }
  double at(int64_t i, int64_t k, int64_t y, int64_t x) const {
    return v[((i * c + k) * h + y) * w + x];
  }
  HostTensor host() const {
    HostTensor t({n, c, h, w});
    for (size_t i = 0; i < v.size(); ++i)
      t.f32()[i] = static_cast<float>(v[i]);
    return t;
  }
};

/// Uniform [lo, hi) values, rounded to f32 so that both sides see the same numbers.
Img randomImg(int64_t n, int64_t c, int64_t h, int64_t w, uint32_t seed, double lo = 0,
              double hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Img im(n, c, h, w);
  for (auto& x : im.v)
    x = static_cast<float>(u(rng));
  return im;
}

/// `b` = a blend of `a` and noise (so that SSIM is far from 0 and 1), clamped to [0, 1].
Img noisyCopy(const Img& a, double keep, uint32_t seed) {
  Img b = randomImg(a.n, a.c, a.h, a.w, seed);
  for (size_t i = 0; i < b.v.size(); ++i)
    b.v[i] = static_cast<float>(std::clamp(keep * a.v[i] + (1 - keep) * b.v[i], 0.0, 1.0));
  return b;
}

/// A smooth pattern plus noise, in [0, 1].
Img texture(int64_t n, int64_t c, int64_t h, int64_t w, uint32_t seed) {
  Img im = randomImg(n, c, h, w, seed);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          double s = 0.5 + 0.35 * std::sin(0.11 * x + 0.7 * k + i) * std::cos(0.07 * y - 0.3 * k);
          im.at(i, k, y, x) = static_cast<float>(0.8 * s + 0.2 * im.at(i, k, y, x));
        }
  return im;
}

/// Compiles `body` as model L(<inputs>) -> (<outputs>) with std/losses.llie imported, runs it
/// on `backend` with the given images, and returns every output's first value.
std::map<std::string, double> runLosses(const std::string& params, const std::string& outputs,
                                        const std::string& body,
                                        const std::map<std::string, const Img*>& inputs,
                                        const std::string& backendName) {
  std::map<std::string, double> r;
  auto c = compileText("import \"std/losses.llie\"\nmodel L(" + params + ") -> (" + outputs +
                           ") {\n" + body + "}\n",
                       {"", true, {}});
  EXPECT_TRUE(c->model.ok()) << c->errors;
  if (!c->model.ok()) return r;
  InputShapes shapes;
  for (auto& [name, im] : inputs)
    shapes[name] = {im->n, im->c, im->h, im->w};
  auto sg = specializeGraph(c->model->graph, shapes);
  EXPECT_TRUE(sg.ok()) << sg.status().message();
  if (!sg.ok()) return r;
  auto backend = createBackend(backendName);
  EXPECT_TRUE(backend.ok());
  if (!backend.ok()) return r;
  auto ex = Executor::create(std::move(*sg), **backend);
  EXPECT_TRUE(ex.ok()) << backendName << ": " << ex.status().message();
  if (!ex.ok()) return r;
  EXPECT_TRUE((*ex)->setWeights({}).isOk());
  for (auto& [name, im] : inputs)
    EXPECT_TRUE((*ex)->setInput(name, im->host()).isOk()) << name;
  EXPECT_TRUE((*ex)->run().isOk());
  for (auto& o : c->model->graph.outputs) {
    auto t = (*ex)->output(o.name);
    EXPECT_TRUE(t.ok()) << o.name;
    if (t.ok()) r[o.name] = t->f32()[0];
  }
  return r;
}

const char* const kBackends[] = {"cpu", "reference"};

// ---- naive float64 definitions -----------------------------------------------------------------

/// pytorch-ssim's 2-D window: outer product of the normalised 1-D Gaussian.
std::vector<double> window(int size, double sigma) {
  std::vector<double> g(size);
  double total = 0;
  for (int i = 0; i < size; ++i)
    total += g[i] = std::exp(-double((i - size / 2) * (i - size / 2)) / (2 * sigma * sigma));
  std::vector<double> w(size * size);
  for (int i = 0; i < size; ++i)
    for (int j = 0; j < size; ++j)
      w[i * size + j] = g[i] / total * g[j] / total;
  return w;
}

struct SsimParts {
  double ssim, cs;
};

/// Mean SSIM and mean cs over N, C and every window position; `pad` zero padding on each side.
SsimParts naiveSsim(const Img& a, const Img& b, int pad = 0, int size = 11, double sigma = 1.5) {
  const std::vector<double> w = window(size, sigma);
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  const int64_t oh = a.h + 2 * pad - size + 1, ow = a.w + 2 * pad - size + 1;
  auto px = [&](const Img& im, int64_t i, int64_t k, int64_t y, int64_t x) {
    y -= pad, x -= pad;
    return y < 0 || x < 0 || y >= im.h || x >= im.w ? 0.0 : im.at(i, k, y, x);
  };
  double sumS = 0, sumCs = 0;
  for (int64_t i = 0; i < a.n; ++i)
    for (int64_t k = 0; k < a.c; ++k)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
          for (int dy = 0; dy < size; ++dy)
            for (int dx = 0; dx < size; ++dx) {
              double g = w[dy * size + dx], va = px(a, i, k, y + dy, x + dx),
                     vb = px(b, i, k, y + dy, x + dx);
              ma += g * va, mb += g * vb, saa += g * va * va, sbb += g * vb * vb,
                  sab += g * va * vb;
            }
          double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
          double cs = (2 * cov + c2) / (va + vb + c2);
          sumCs += cs;
          sumS += (2 * ma * mb + c1) / (ma * ma + mb * mb + c1) * cs;
        }
  double count = static_cast<double>(a.n * a.c * oh * ow);
  return {sumS / count, sumCs / count};
}

Img avgPool2(const Img& a) {
  Img r(a.n, a.c, a.h / 2, a.w / 2);
  for (int64_t i = 0; i < a.n; ++i)
    for (int64_t k = 0; k < a.c; ++k)
      for (int64_t y = 0; y < r.h; ++y)
        for (int64_t x = 0; x < r.w; ++x)
          r.at(i, k, y, x) = (a.at(i, k, 2 * y, 2 * x) + a.at(i, k, 2 * y + 1, 2 * x) +
                              a.at(i, k, 2 * y, 2 * x + 1) + a.at(i, k, 2 * y + 1, 2 * x + 1)) /
                             4;
  return r;
}

double naiveMsSsim(Img a, Img b) {
  const double wts[] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  double r = 1;
  for (int j = 0; j < 5; ++j) {
    SsimParts p = naiveSsim(a, b);
    if (j < 4) {
      r *= std::pow(std::max(p.cs, 0.0), wts[j]);
      a = avgPool2(a), b = avgPool2(b);
    } else {
      r *= std::pow(std::max(p.ssim, 0.0), wts[j]);
    }
  }
  return r;
}

template <class F> double meanOver(const Img& a, F f) {
  double s = 0;
  for (size_t i = 0; i < a.v.size(); ++i)
    s += f(i);
  return s / static_cast<double>(a.v.size());
}

/// Forward differences along height (dim 2) or width (dim 3), as a list of values.
std::vector<double> diffs(const Img& a, int dim) {
  std::vector<double> r;
  for (int64_t i = 0; i < a.n; ++i)
    for (int64_t k = 0; k < a.c; ++k)
      for (int64_t y = 0; y < a.h - (dim == 2); ++y)
        for (int64_t x = 0; x < a.w - (dim == 3); ++x)
          r.push_back(dim == 2 ? a.at(i, k, y + 1, x) - a.at(i, k, y, x)
                               : a.at(i, k, y, x + 1) - a.at(i, k, y, x));
  return r;
}

/// PyTorch's bilinear resize, align_corners = false, no antialias.
Img resizeBilinear(const Img& a, int64_t oh, int64_t ow) {
  Img r(a.n, a.c, oh, ow);
  auto src = [](int64_t d, int64_t in, int64_t out, int64_t& i0, int64_t& i1, double& l) {
    double s = (d + 0.5) * double(in) / double(out) - 0.5;
    if (s < 0) s = 0;
    i0 = std::min<int64_t>(static_cast<int64_t>(s), in - 1);
    i1 = std::min<int64_t>(i0 + 1, in - 1);
    l = s - double(i0);
  };
  for (int64_t i = 0; i < a.n; ++i)
    for (int64_t k = 0; k < a.c; ++k)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x) {
          int64_t y0, y1, x0, x1;
          double ly, lx;
          src(y, a.h, oh, y0, y1, ly);
          src(x, a.w, ow, x0, x1, lx);
          r.at(i, k, y, x) = (1 - ly) * ((1 - lx) * a.at(i, k, y0, x0) + lx * a.at(i, k, y0, x1)) +
                             ly * ((1 - lx) * a.at(i, k, y1, x0) + lx * a.at(i, k, y1, x1));
        }
  return r;
}

/// SAD's attention map: channel sum of squares, resized to h x w, softmax over positions.
Img attention(const Img& e, int64_t h, int64_t w) {
  Img g(e.n, 1, e.h, e.w);
  for (int64_t i = 0; i < e.n; ++i)
    for (int64_t k = 0; k < e.c; ++k)
      for (int64_t y = 0; y < e.h; ++y)
        for (int64_t x = 0; x < e.w; ++x)
          g.at(i, 0, y, x) += e.at(i, k, y, x) * e.at(i, k, y, x);
  if (e.h != h || e.w != w) g = resizeBilinear(g, h, w);
  for (int64_t i = 0; i < g.n; ++i) {
    double mx = -1e300, s = 0;
    for (int64_t p = 0; p < h * w; ++p)
      mx = std::max(mx, g.v[i * h * w + p]);
    for (int64_t p = 0; p < h * w; ++p)
      s += std::exp(g.v[i * h * w + p] - mx);
    for (int64_t p = 0; p < h * w; ++p)
      g.v[i * h * w + p] = std::exp(g.v[i * h * w + p] - mx) / s;
  }
  return g;
}

} // namespace

// ---- tests
// ----------------------------------------------------------------------------------------

TEST(StdLosses, SsimMatchesNaiveFloat64AndTheMetric) {
  Img a = randomImg(2, 3, 24, 24, 1), b = noisyCopy(a, 0.6, 2);
  Img c = randomImg(2, 3, 24, 24, 3); // independent noise: SSIM near 0
  SsimParts want = naiveSsim(a, b), wantIndep = naiveSsim(a, c), wantSame = naiveSsim(a, b, 5);
  auto metric = ssim(a.host(), b.host());
  ASSERT_TRUE(metric.ok());
  EXPECT_NEAR(*metric, want.ssim, 1e-9); // the metric has exactly this definition
  std::printf("[ssim] naive %.9f  (independent %.9f, same-padded %.9f)\n", want.ssim,
              wantIndep.ssim, wantSame.ssim);
  EXPECT_GT(want.ssim, 0.2);
  EXPECT_LT(want.ssim, 0.9);
  for (const char* be : kBackends) {
    auto r = runLosses("a: [N, 3, H, W], b: [N, 3, H, W], c: [N, 3, H, W]", "s, si, ss, same",
                       "  s = SSIM(a, b)\n  si = SSIM(a, c)\n  ss = SSIM(a, a)\n"
                       "  same = SSIM(a, b, padding=5)\n",
                       {{"a", &a}, {"b", &b}, {"c", &c}}, be);
    ASSERT_EQ(r.size(), 4u) << be;
    std::printf("[ssim] %-9s llie %.9f\n", be, r["s"]);
    EXPECT_NEAR(r["s"], want.ssim, 1e-5) << be;
    EXPECT_NEAR(r["s"], *metric, 1e-5) << be;
    EXPECT_NEAR(r["si"], wantIndep.ssim, 1e-5) << be;
    EXPECT_NEAR(r["ss"], 1.0, 1e-5) << be;
    EXPECT_NEAR(r["same"], wantSame.ssim, 1e-5) << be;
  }
}

TEST(StdLosses, MsSsimMatchesNaiveFloat64) {
  // Valid 11x11 windows at 5 scales need sides > 160: 176 = 11 * 16.
  Img a = texture(1, 2, 176, 176, 4), b = noisyCopy(a, 0.85, 5);
  double want = naiveMsSsim(a, b);
  std::printf("[ms-ssim] naive %.9f\n", want);
  EXPECT_GT(want, 0.3);
  EXPECT_LT(want, 0.99);
  auto r = runLosses("a: [N, 2, H, W], b: [N, 2, H, W]", "m",
                     "  require H % 16 == 0, W % 16 == 0\n  m = MSSSIM(a, b)\n",
                     {{"a", &a}, {"b", &b}}, "cpu");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r["m"], want, 1e-5);
}

TEST(StdLosses, PixelLossesMatchNaiveFloat64) {
  Img a = randomImg(2, 3, 9, 7, 6), b = randomImg(2, 3, 9, 7, 7);
  double mse = meanOver(a, [&](size_t i) { return (a.v[i] - b.v[i]) * (a.v[i] - b.v[i]); });
  double logMse = 10 * std::log10(mse + 1e-8);
  double logDomain = meanOver(a, [&](size_t i) {
    double d = std::log(a.v[i] + 1e-3) - std::log(b.v[i] + 1e-3);
    return d * d;
  });
  double tvL1 = 0, tvL2 = 0, grad = 0;
  for (int dim : {2, 3}) {
    auto da = diffs(a, dim), db = diffs(b, dim);
    double s1 = 0, s2 = 0, sg = 0;
    for (size_t i = 0; i < da.size(); ++i)
      s1 += std::fabs(da[i]), s2 += da[i] * da[i], sg += (da[i] - db[i]) * (da[i] - db[i]);
    tvL1 += s1 / da.size(), tvL2 += s2 / da.size(), grad += sg / da.size();
  }
  for (const char* be : kBackends) {
    auto r = runLosses("a: [N, 3, H, W], b: [N, 3, H, W]", "lm, ld, t1, t2, g",
                       "  lm = LogMSE(a, b)\n  ld = LogDomainMSE(a, b)\n  t1 = TV(a)\n"
                       "  t2 = TV(a, squared=true)\n  g = GradientLoss(a, b)\n",
                       {{"a", &a}, {"b", &b}}, be);
    ASSERT_EQ(r.size(), 5u) << be;
    EXPECT_NEAR(r["lm"], logMse, 1e-5 * std::fabs(logMse)) << be;
    EXPECT_NEAR(r["ld"], logDomain, 1e-5 * logDomain) << be;
    EXPECT_NEAR(r["t1"], tvL1, 1e-5 * tvL1) << be;
    EXPECT_NEAR(r["t2"], tvL2, 1e-5 * tvL2) << be;
    EXPECT_NEAR(r["g"], grad, 1e-5 * grad) << be;
  }
}

TEST(StdLosses, PrimitiveLossOpsAreCallable) {
  // Differences up to 3, so both regimes of smooth L1 and Huber are exercised.
  Img a = randomImg(2, 3, 5, 4, 8, -2, 2), b = randomImg(2, 3, 5, 4, 9, -1, 1);
  double l1 = meanOver(a, [&](size_t i) { return std::fabs(a.v[i] - b.v[i]); });
  double mse = meanOver(a, [&](size_t i) { return (a.v[i] - b.v[i]) * (a.v[i] - b.v[i]); });
  auto smooth = [&](double beta) {
    return meanOver(a, [&](size_t i) {
      double z = std::fabs(a.v[i] - b.v[i]);
      return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
    });
  };
  double huber = meanOver(a, [&](size_t i) {
    double z = std::fabs(a.v[i] - b.v[i]), d = 0.7;
    return z <= d ? 0.5 * z * z : d * (z - 0.5 * d);
  });
  // bce_with_logits(x, t) with targets in [0, 1]: max(x, 0) - x t + log(1 + exp(-|x|)).
  Img t = randomImg(2, 3, 5, 4, 10);
  double bce = meanOver(a, [&](size_t i) {
    double x = a.v[i];
    return std::max(x, 0.0) - x * t.v[i] + std::log1p(std::exp(-std::fabs(x)));
  });
  for (const char* be : kBackends) {
    auto r = runLosses("a: [N, 3, H, W], b: [N, 3, H, W], t: [N, 3, H, W]", "l1, l2, s1, s5, h, e",
                       "  l1 = l1_loss(a, b)\n  l2 = mse_loss(a, b)\n  s1 = smooth_l1_loss(a, b)\n"
                       "  s5 = smooth_l1_loss(a, b, beta=0.5)\n  h = huber_loss(a, b, delta=0.7)\n"
                       "  e = bce_with_logits(a, t)\n",
                       {{"a", &a}, {"b", &b}, {"t", &t}}, be);
    ASSERT_EQ(r.size(), 6u) << be;
    EXPECT_NEAR(r["l1"], l1, 1e-5 * l1) << be;
    EXPECT_NEAR(r["l2"], mse, 1e-5 * mse) << be;
    EXPECT_NEAR(r["s1"], smooth(1.0), 1e-5 * smooth(1.0)) << be;
    EXPECT_NEAR(r["s5"], smooth(0.5), 1e-5 * smooth(0.5)) << be;
    EXPECT_NEAR(r["h"], huber, 1e-5 * huber) << be;
    EXPECT_NEAR(r["e"], bce, 1e-5 * bce) << be;
  }
}

TEST(StdLosses, SadMatchesNaiveFloat64) {
  // e1 at 12 x 10; deeper maps smaller (bilinearly resized up to e1's size), e4 at 2 x 2.
  Img e1 = randomImg(2, 4, 12, 10, 11, -1, 1), e2 = randomImg(2, 5, 6, 5, 12, -1, 1),
      e3 = randomImg(2, 3, 3, 3, 13, -1, 1), e4 = randomImg(2, 6, 2, 2, 14, -1, 1);
  std::vector<Img> att;
  for (const Img* e : {&e1, &e2, &e3, &e4})
    att.push_back(attention(*e, 12, 10));
  double want = 0;
  for (int i = 0; i < 3; ++i)
    want += meanOver(att[i], [&](size_t k) {
      double d = att[i].v[k] - att[i + 1].v[k];
      return d * d;
    });
  // Each map sums to 1 per image, so the loss is tiny: compare relatively.
  std::printf("[sad] naive %.9g\n", want);
  EXPECT_GT(want, 0);
  for (const char* be : kBackends) {
    auto r = runLosses("e1: [N, 4, 12, 10], e2: [N, 5, 6, 5], e3: [N, 3, 3, 3], e4: [N, 6, 2, 2]",
                       "l, two", "  l = SAD([e1, e2, e3, e4])\n  two = SAD([e3, e3])\n",
                       {{"e1", &e1}, {"e2", &e2}, {"e3", &e3}, {"e4", &e4}}, be);
    ASSERT_EQ(r.size(), 2u) << be;
    std::printf("[sad] %-9s llie %.9g\n", be, r["l"]);
    EXPECT_NEAR(r["l"], want, 1e-5 * want) << be;
    EXPECT_NEAR(r["two"], 0.0, 1e-12) << be; // a map mimicking itself
  }
}

TEST(StdLosses, RegionLossMatchesNaiveFloat64) {
  Img p = randomImg(2, 3, 8, 6, 15), t = randomImg(2, 3, 8, 6, 16);
  // Per image: gray = 0.39 R + 0.5 G + 0.11 B of the prediction; threshold = the
  // int(0.4 H W - 1)-th smallest (0-based); weight 4 at or below it, else 1; mean over all.
  double sum = 0;
  const int64_t hw = p.h * p.w;
  for (int64_t i = 0; i < p.n; ++i) {
    std::vector<double> gray(hw);
    for (int64_t q = 0; q < hw; ++q)
      gray[q] = 0.39 * p.v[(i * 3 + 0) * hw + q] + 0.5 * p.v[(i * 3 + 1) * hw + q] +
                0.11 * p.v[(i * 3 + 2) * hw + q];
    std::vector<double> sorted = gray;
    std::sort(sorted.begin(), sorted.end());
    double thr = sorted[static_cast<size_t>(0.4 * hw - 1)];
    for (int64_t k = 0; k < 3; ++k)
      for (int64_t q = 0; q < hw; ++q)
        sum += (gray[q] <= thr ? 4.0 : 1.0) *
               std::fabs(p.v[(i * 3 + k) * hw + q] - t.v[(i * 3 + k) * hw + q]);
  }
  double want = sum / static_cast<double>(p.v.size());
  for (const char* be : kBackends) {
    auto r = runLosses("p: [N, 3, H, W], t: [N, 3, H, W]", "l", "  l = RegionLoss(p, t)\n",
                       {{"p", &p}, {"t", &t}}, be);
    ASSERT_EQ(r.size(), 1u) << be;
    std::printf("[region] %-9s llie %.9g  naive %.9g\n", be, r["l"], want);
    EXPECT_NEAR(r["l"], want, 1e-5 * want) << be;
  }
}

// Class losses as the language spells them: hard distillation cross_entropy(z_s, argmax(z_t)),
// label smoothing, a probability target and KL soft distillation with a temperature, on dense
// [N, K, H, W] logits (class axis 1), against naive float64 per-pixel sums.
TEST(StdLosses, ClassLossesMatchNaiveFloat64) {
  Img zs = randomImg(2, 5, 3, 2, 17, -3, 3), zt = randomImg(2, 5, 3, 2, 18, -3, 3);
  const int64_t K = zs.c, samples = zs.n * zs.h * zs.w;
  auto logSoftmax = [&](const Img& z, int64_t i, int64_t y, int64_t x, double tau) {
    std::vector<double> r(K);
    double s = 0;
    for (int64_t k = 0; k < K; ++k)
      s += std::exp(z.at(i, k, y, x) / tau);
    for (int64_t k = 0; k < K; ++k)
      r[k] = z.at(i, k, y, x) / tau - std::log(s);
    return r;
  };
  double hard = 0, smooth = 0, prob = 0, soft = 0;
  const double eps = 0.1, tau = 2.0;
  for (int64_t i = 0; i < zs.n; ++i)
    for (int64_t y = 0; y < zs.h; ++y)
      for (int64_t x = 0; x < zs.w; ++x) {
        auto ls = logSoftmax(zs, i, y, x, 1.0), lt = logSoftmax(zt, i, y, x, 1.0);
        auto ls2 = logSoftmax(zs, i, y, x, tau), lt2 = logSoftmax(zt, i, y, x, tau);
        int64_t c = 0;
        for (int64_t k = 1; k < K; ++k)
          if (zt.at(i, k, y, x) > zt.at(i, c, y, x)) c = k;
        hard -= ls[c];
        for (int64_t k = 0; k < K; ++k) {
          smooth -= ((1 - eps) * (k == c) + eps / K) * ls[k];
          prob -= std::exp(lt[k]) * ls[k];
          soft += tau * tau * std::exp(lt2[k]) * (lt2[k] - ls2[k]);
        }
      }
  for (const char* be : kBackends) {
    auto r = runLosses("zs: [N, 5, H, W], zt: [N, 5, H, W]", "hard, smooth, prob, soft",
                       "  hard = cross_entropy(zs, argmax(zt, axis=1))\n"
                       "  smooth = cross_entropy(zs, argmax(zt, axis=1), label_smoothing=0.1)\n"
                       "  prob = cross_entropy(zs, softmax(zt, axes=[1]))\n"
                       "  soft = kl_div(zs, stop_grad(zt), temperature=2.0)\n",
                       {{"zs", &zs}, {"zt", &zt}}, be);
    ASSERT_EQ(r.size(), 4u) << be;
    for (auto [name, want] : {std::pair{"hard", hard}, std::pair{"smooth", smooth},
                              std::pair{"prob", prob}, std::pair{"soft", soft}}) {
      want /= static_cast<double>(samples);
      std::printf("[class] %-9s %-6s llie %.9g  naive %.9g\n", be, name, r[name], want);
      EXPECT_NEAR(r[name], want, 1e-5 * std::fabs(want)) << be << " " << name;
    }
  }
}

TEST(StdLosses, InfoNceMatchesNaiveFloat64) {
  const int64_t N = 3, C = 8, K = 6;
  const double tau = 0.07;
  Img q = randomImg(N, C, 1, 1, 21, -1, 1), k = randomImg(N, C, 1, 1, 22, -1, 1);
  Img queue = randomImg(K, C, 1, 1, 23, -1, 1);
  auto unit = [&](const Img& m, int64_t i) {
    std::vector<double> v(C);
    double n2 = 0;
    for (int64_t c = 0; c < C; ++c)
      n2 += m.at(i, c, 0, 0) * m.at(i, c, 0, 0);
    for (int64_t c = 0; c < C; ++c)
      v[c] = m.at(i, c, 0, 0) / std::sqrt(n2);
    return v;
  };
  auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i)
      s += a[i] * b[i];
    return s;
  };
  double want = 0;
  for (int64_t i = 0; i < N; ++i) {
    auto qi = unit(q, i);
    double pos = dot(qi, unit(k, i)) / tau, denom = std::exp(pos);
    for (int64_t j = 0; j < K; ++j)
      denom += std::exp(dot(qi, unit(queue, j)) / tau);
    want -= std::log(std::exp(pos) / denom) / N;
  }
  for (const char* be : kBackends) {
    auto r = runLosses("q: [3, 8, 1, 1], k: [3, 8, 1, 1], queue: [6, 8, 1, 1]", "l",
                       "  l = InfoNCE(flatten(q), flatten(k), flatten(queue))\n",
                       {{"q", &q}, {"k", &k}, {"queue", &queue}}, be);
    ASSERT_EQ(r.size(), 1u) << be;
    EXPECT_NEAR(r["l"], want, 1e-5 * std::fabs(want)) << be;
  }
}

TEST(StdLosses, AllLossesElaborateOnSymbolicShapes) {
  auto c = compileText("import \"std/losses.llie\"\n"
                       "train T(x: [N, 3, H, W], gt: [N, 3, H, W]) {\n"
                       "  require H % 16 == 0, W % 16 == 0\n"
                       "  loss s = 1.0 - SSIM(x, gt)\n"
                       "  loss m = 1.0 - MSSSIM(x, gt)\n"
                       "  loss r = RegionLoss(x, gt)\n"
                       "  loss t = TV(x)\n"
                       "  loss g = GradientLoss(x, gt)\n"
                       "  loss lm = LogMSE(x, gt)\n"
                       "  loss ld = LogDomainMSE(x, gt)\n"
                       "}\n",
                       {"T", false, {}});
  ASSERT_TRUE(c->model.ok()) << c->errors;
  EXPECT_EQ(c->model->graph.outputs.size(), 7u);
  EXPECT_EQ(c->model->graph.nodesOf(OpKind::KthValue).size(), 1u);
}
