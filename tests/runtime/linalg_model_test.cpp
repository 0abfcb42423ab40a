// End to end through the language: a small .llie model using conv_transpose2d (stride 2,
// padding, output_padding, bias), pixel_shuffle, linear over the last axis of a rank-4 tensor and
// log_softmax is compiled, given seeded initial weights, run by the executor on the cpu and
// reference backends, and compared with the same network computed here by naive loops in
// double.
#include "runtime/model.h"
#include "runtime/weights.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace llie;
using namespace llie::testing;

namespace {

const char* kSource = "model M(x: [N, 8, H, 2]) -> (y) {\n"
                      "  u = conv_transpose2d(x, 4, 3, stride=2, padding=1, output_padding=1, "
                      "name=\"up\")\n"
                      "  s = pixel_shuffle(u, 2)\n"
                      "  y = log_softmax(linear(s, 5, name=\"fc\"), axes=[3])\n"
                      "}\n";

using Vec = std::vector<double>;

/// PyTorch ConvTranspose2d, k x k kernel, stride 2, padding 1, output_padding 1, no groups.
Vec convTranspose(const HostTensor& x, const HostTensor& w, const HostTensor& b, int64_t O,
                  int64_t k, int64_t& OH, int64_t& OW) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  OH = (H - 1) * 2 - 2 + (k - 1) + 1 + 1, OW = (W - 1) * 2 - 2 + (k - 1) + 1 + 1;
  Vec y(N * O * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          // Gather form: input pixel (h, w) reaches (oh, ow) through tap oh + 1 − 2h.
          double acc = b.f32()[o];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t h = 0; h < H; ++h)
              for (int64_t wi = 0; wi < W; ++wi) {
                int64_t kh = oh + 1 - 2 * h, kw = ow + 1 - 2 * wi;
                if (kh < 0 || kh >= k || kw < 0 || kw >= k) continue;
                acc += double(x.f32()[((n * C + c) * H + h) * W + wi]) *
                       w.f32()[((c * O + o) * k + kh) * k + kw];
              }
          y[((n * O + o) * OH + oh) * OW + ow] = acc;
        }
  return y;
}

TEST(LinalgModel, ExecutorMatchesNaiveNetwork) {
  auto r = compileText(kSource);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto weights = initialWeights(r->model->graph, 5);
  ASSERT_TRUE(weights.ok());
  const HostTensor &upW = weights->at("up.weight"), &upB = weights->at("up.bias");
  const HostTensor &fcW = weights->at("fc.weight"), &fcB = weights->at("fc.bias");
  ASSERT_EQ(upW.shape, (std::vector<int64_t>{8, 4, 3, 3}));
  ASSERT_EQ(fcW.shape, (std::vector<int64_t>{5, 4 * 2}));

  const int64_t N = 2, H = 3, W = 2;
  HostTensor x({N, 8, H, W});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = float(std::sin(0.7 * i));

  // conv_transpose2d -> [N, 4, 6, 4]; pixel_shuffle(2) -> [N, 1, 12, 8]; linear -> [N, 1, 12, 5].
  int64_t OH, OW;
  Vec u = convTranspose(x, upW, upB, 4, 3, OH, OW);
  ASSERT_EQ(OH, 6);
  ASSERT_EQ(OW, 4);
  int64_t SH = OH * 2, SW = OW * 2;
  Vec s(N * SH * SW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < SH; ++h)
      for (int64_t w = 0; w < SW; ++w)
        s[(n * SH + h) * SW + w] = u[((n * 4 + (h % 2) * 2 + w % 2) * OH + h / 2) * OW + w / 2];
  Vec want;
  for (int64_t row = 0; row < N * SH; ++row) {
    Vec z(5);
    for (int64_t j = 0; j < 5; ++j) {
      z[j] = fcB.f32()[j];
      for (int64_t i = 0; i < SW; ++i)
        z[j] += s[row * SW + i] * fcW.f32()[j * SW + i];
    }
    double mx = *std::max_element(z.begin(), z.end()), sum = 0;
    for (double v : z)
      sum += std::exp(v - mx);
    for (double v : z)
      want.push_back(v - mx - std::log(sum));
  }

  for (const char* name : {"cpu", "reference"}) {
    auto backend = createBackend(name);
    ASSERT_TRUE(backend.ok());
    Enhancer e(*r->model, **backend, *weights);
    auto out = e.runRaw(x);
    ASSERT_TRUE(out.ok()) << name << ": " << out.status().message();
    const HostTensor& y = out->at("y");
    ASSERT_EQ(y.shape, (std::vector<int64_t>{N, 1, SH, 5})) << name;
    double worst = 0;
    for (int64_t i = 0; i < y.numel(); ++i)
      worst = std::max(worst, std::fabs(y.f32()[i] - want[i]));
    EXPECT_LT(worst, 1e-5) << name;
    RecordProperty(std::string(name) + "_max_abs_err", std::to_string(worst));
  }
}

} // namespace
