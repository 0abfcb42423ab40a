// Checks the reference kernels of matmul, conv_transpose2d, log_softmax and the pixel shuffles
// against independent formulas, so the oracle the cpu backend is compared with is known to be
// right: hand-computed products, a batch-broadcast product against loops written here, the
// transposed convolution on hand-computed values and as the exact adjoint of the reference
// conv2d (<convT(x), y> = <x, conv2d(y)> for stride, asymmetric padding, output_padding,
// dilation and groups), log_softmax on known values and at large magnitudes, and the shuffles
// against PyTorch's index formula and as inverses of each other.
#include "tests/backends/backend_test_util.h"

namespace llie::bt {
namespace {

HostTensor run(const char* backend, OpKind op, Attrs a, std::vector<HostTensor> ins, Dims out) {
  std::vector<Dims> shapes;
  for (auto& t : ins)
    shapes.push_back(t.shape);
  OneNode o = oneNode(op, std::move(a), shapes, out);
  auto be = createBackend(backend);
  EXPECT_TRUE(be.ok());
  auto r = runNode(**be, o.g, o.node, ins);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().message());
  return r.ok() ? std::move(*r) : HostTensor(out);
}
HostTensor runRef(OpKind op, Attrs a, std::vector<HostTensor> ins, Dims out) {
  return run("reference", op, std::move(a), std::move(ins), std::move(out));
}

void expectValues(const HostTensor& t, const std::vector<float>& want, double tol = 1e-6) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(t.f32()[i], want[i], tol) << "at " << i;
}

double dot(const HostTensor& a, const HostTensor& b) {
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    s += double(a.f32()[i]) * b.f32()[i];
  return s;
}

TEST(RefMatMul, KnownProductsTransposesAndBias) {
  HostTensor a = tensor({2, 2}, {1, 2, 3, 4}), b = tensor({2, 2}, {5, 6, 7, 8});
  expectValues(runRef(OpKind::MatMul, MatMulAttrs{}, {a, b}, {2, 2}), {19, 22, 43, 50});
  // aᵀ·b = [[1,3],[2,4]]·b; a·bᵀ = a·[[5,7],[6,8]].
  expectValues(runRef(OpKind::MatMul, MatMulAttrs{true, false}, {a, b}, {2, 2}), {26, 30, 38, 44});
  expectValues(runRef(OpKind::MatMul, MatMulAttrs{false, true}, {a, b}, {2, 2}), {17, 23, 39, 53});
  HostTensor bias = tensor({2}, {-100, 1});
  MatMulAttrs relu;
  relu.epilogue = Epilogue::Relu;
  expectValues(runRef(OpKind::MatMul, relu, {a, b, bias}, {2, 2}), {0, 23, 0, 51});
}

TEST(RefMatMul, BatchBroadcastMatchesLoops) {
  std::mt19937 rng(7);
  // A [2, 1, 3, 4] x B [3, 4, 5] -> Y [2, 3, 3, 5].
  HostTensor A = randomTensor({2, 1, 3, 4}, rng, -1, 1), B = randomTensor({3, 4, 5}, rng, -1, 1);
  HostTensor y = runRef(OpKind::MatMul, MatMulAttrs{}, {A, B}, {2, 3, 3, 5});
  std::vector<float> want;
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 3; ++q)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) {
          double s = 0;
          for (int k = 0; k < 4; ++k)
            s += double(A.f32()[(p * 3 + i) * 4 + k]) * B.f32()[(q * 4 + k) * 5 + j];
          want.push_back(static_cast<float>(s));
        }
  expectValues(y, want, 1e-6);
}

TEST(RefConvTranspose2d, KnownValues) {
  HostTensor x = tensor({1, 1, 2, 2}, {1, 2, 3, 4}), w = tensor({1, 1, 2, 2}, {1, 1, 1, 1});
  // Stride 1: overlapping 2x2 stamps.
  expectValues(runRef(OpKind::ConvTranspose2d, ConvTranspose2dAttrs{}, {x, w}, {1, 1, 3, 3}),
               {1, 3, 2, 4, 10, 6, 3, 7, 4});
  // Stride 2, output_padding 1, bias 0.5, weight [1, 2; 3, 4]: disjoint stamps, then a row and
  // a column of bias only.
  ConvTranspose2dAttrs s2;
  s2.stride = {2, 2};
  s2.outputPadding = {1, 1};
  HostTensor w2 = tensor({1, 1, 2, 2}, {1, 2, 3, 4}), b = tensor({1}, {0.5f});
  expectValues(runRef(OpKind::ConvTranspose2d, s2, {x, w2, b}, {1, 1, 5, 5}),
               {1.5f, 2.5f, 2.5f, 4.5f,  0.5f,  3.5f,  4.5f, 6.5f, 8.5f, 0.5f, 3.5f, 6.5f, 4.5f,
                8.5f, 0.5f, 9.5f, 12.5f, 12.5f, 16.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
}

struct AdjointSpec {
  Dims x;
  int64_t O, k, groups;
  std::vector<int64_t> stride, pad, outPad, dil;
};

TEST(RefConvTranspose2d, IsTheAdjointOfConv2d) {
  std::vector<AdjointSpec> specs = {
      {{2, 3, 4, 5}, 2, 3, 1, {2, 2}, {0, 1, 1, 0}, {1, 1}, {1, 1}},
      {{1, 4, 3, 4}, 6, 3, 2, {3, 2}, {1, 0, 0, 1}, {2, 1}, {2, 1}},
      {{1, 2, 5, 5}, 4, 4, 1, {2, 2}, {1, 1, 1, 1}, {0, 0}, {1, 1}},
  };
  std::mt19937 rng(11);
  for (const auto& s : specs) {
    ConvTranspose2dAttrs t;
    t.stride = s.stride, t.pad = s.pad, t.outputPadding = s.outPad, t.dilation = s.dil;
    t.groups = s.groups;
    Conv2dAttrs c;
    c.stride = s.stride, c.pad = s.pad, c.dilation = s.dil, c.groups = s.groups;
    Dims y{s.x[0], s.O, 0, 0};
    for (int i = 0; i < 2; ++i)
      y[2 + i] = (s.x[2 + i] - 1) * s.stride[i] - s.pad[2 * i] - s.pad[2 * i + 1] +
                 s.dil[i] * (s.k - 1) + s.outPad[i] + 1;
    HostTensor x = randomTensor(s.x, rng, -1, 1), g = randomTensor(y, rng, -1, 1);
    HostTensor w = randomTensor({s.x[1], s.O / s.groups, s.k, s.k}, rng, -1, 1);
    HostTensor ty = runRef(OpKind::ConvTranspose2d, t, {x, w}, y);
    HostTensor cx = runRef(OpKind::Conv2d, c, {g, w}, s.x);
    EXPECT_NEAR(dot(ty, g), dot(x, cx), 1e-4) << "groups " << s.groups;
  }
}

TEST(RefLogSoftmax, KnownValuesAndLargeMagnitudes) {
  ReduceAttrs last{{-1}, false};
  // log(e + e² + e³) = 3.40760596.
  expectValues(
      runRef(OpKind::LogSoftmax, last, {tensor({2, 3}, {1, 2, 3, 1000, 1000, -1000})}, {2, 3}),
      {-2.40760596f, -1.40760596f, -0.40760596f, -0.69314718f, -0.69314718f, -2000.6931f}, 1e-5);
  // Over two axes: four equal values each get -log 4.
  expectValues(runRef(OpKind::LogSoftmax, ReduceAttrs{{1, 2}, false},
                      {tensor({1, 2, 2}, {5, 5, 5, 5})}, {1, 2, 2}),
               {-1.38629436f, -1.38629436f, -1.38629436f, -1.38629436f});
}

TEST(RefPixelShuffle, PyTorchIndexFormulaAndInverse) {
  std::mt19937 rng(3);
  const int64_t N = 2, C = 2, r = 3, H = 2, W = 3;
  HostTensor x = randomTensor({N, C * r * r, H, W}, rng, -1, 1);
  for (const char* be : {"reference", "cpu"}) {
    HostTensor y = run(be, OpKind::PixelShuffle, PixelShuffleAttrs{r}, {x}, {N, C, H * r, W * r});
    std::vector<float> want;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t oh = 0; oh < H * r; ++oh)
          for (int64_t ow = 0; ow < W * r; ++ow) {
            int64_t ch = c * r * r + (oh % r) * r + ow % r;
            want.push_back(x.f32()[((n * C * r * r + ch) * H + oh / r) * W + ow / r]);
          }
    expectValues(y, want, 0);
    HostTensor back = run(be, OpKind::PixelUnshuffle, PixelShuffleAttrs{r}, {y}, x.shape);
    expectValues(back, std::vector<float>(x.f32(), x.f32() + x.numel()), 0);
  }
}

} // namespace
} // namespace llie::bt
