// PSNR and SSIM (see metrics.h for the definitions). SSIM's 2-D Gaussian window is the outer
// product of a 1-D window, so the five local moments (mu_x, mu_y, E[x²], E[y²], E[xy]) are
// filtered separably, rows then columns, in double precision: the same sums as the direct
// 11x11 "valid" convolution up to rounding.
#include "runtime/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

namespace llie {

namespace {

std::string shapeStr(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i)
    os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

Status checkPair(const char* what, const HostTensor& a, const HostTensor& b) {
  if (a.dtype != DType::F32 || b.dtype != DType::F32)
    return Status::error(std::string(what) + ": inputs must be f32 tensors");
  if (a.shape != b.shape)
    return Status::error(std::string(what) + ": shapes differ: " + shapeStr(a.shape) + " vs " +
                         shapeStr(b.shape));
  if (a.numel() == 0) return Status::error(std::string(what) + ": empty tensors");
  return Status::ok();
}

constexpr int kWin = 11;
constexpr double kSigma = 1.5;

} // namespace

HostTensor quantizeToUint8(const HostTensor& x) {
  HostTensor q(x.shape);
  const float* s = x.f32();
  float* d = q.f32();
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = s[i];
    v = std::isnan(v) ? 0.f : std::min(1.f, std::max(0.f, v));
    d[i] = static_cast<float>(std::floor(static_cast<double>(v) * 255.0 + 0.5) / 255.0);
  }
  return q;
}

std::vector<double> ssimGaussian1d() {
  std::vector<double> g(kWin);
  double sum = 0;
  for (int i = 0; i < kWin; ++i) {
    double d = i - kWin / 2;
    g[i] = std::exp(-(d * d) / (2 * kSigma * kSigma));
    sum += g[i];
  }
  for (auto& v : g)
    v /= sum;
  return g;
}

Expected<double> psnr(const HostTensor& a, const HostTensor& b, double dataRange,
                      MetricInput mode) {
  LLIE_RETURN_IF_ERROR(checkPair("psnr", a, b));
  if (!(dataRange > 0)) return Status::error("psnr: the data range must be positive");
  if (mode == MetricInput::Uint8)
    return psnr(quantizeToUint8(a), quantizeToUint8(b), dataRange, MetricInput::Float);
  const float* x = a.f32();
  const float* y = b.f32();
  double sse = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    sse += d * d;
  }
  double mse = sse / static_cast<double>(a.numel());
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(dataRange * dataRange / mse);
}

Expected<double> ssim(const HostTensor& a, const HostTensor& b, MetricInput mode) {
  LLIE_RETURN_IF_ERROR(checkPair("ssim", a, b));
  if (a.shape.size() != 4)
    return Status::error("ssim: inputs must be [N, C, H, W], got " + shapeStr(a.shape));
  const int64_t N = a.shape[0], C = a.shape[1], H = a.shape[2], W = a.shape[3];
  if (H < kWin || W < kWin)
    return Status::error("ssim: images must be at least 11x11 (the window), got " +
                         std::to_string(H) + "x" + std::to_string(W));
  if (mode == MetricInput::Uint8)
    return ssim(quantizeToUint8(a), quantizeToUint8(b), MetricInput::Float);

  const std::vector<double> g = ssimGaussian1d();
  const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
  const int64_t Ho = H - kWin + 1, Wo = W - kWin + 1;
  // Row-filtered moments: [5][H][Wo]; then column-filtered per output pixel.
  std::vector<double> rows(5 * H * Wo);
  double total = 0;
  for (int64_t p = 0; p < N * C; ++p) {
    const float* x = a.f32() + p * H * W;
    const float* y = b.f32() + p * H * W;
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < Wo; ++j) {
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int k = 0; k < kWin; ++k) {
          double xv = x[i * W + j + k], yv = y[i * W + j + k], w = g[k];
          mx += w * xv;
          my += w * yv;
          xx += w * xv * xv;
          yy += w * yv * yv;
          xy += w * xv * yv;
        }
        double* r = &rows[i * Wo + j];
        r[0] = mx;
        r[H * Wo] = my;
        r[2 * H * Wo] = xx;
        r[3 * H * Wo] = yy;
        r[4 * H * Wo] = xy;
      }
    double sum = 0;
    for (int64_t i = 0; i < Ho; ++i)
      for (int64_t j = 0; j < Wo; ++j) {
        double m[5] = {0, 0, 0, 0, 0};
        for (int k = 0; k < kWin; ++k) {
          const double* r = &rows[(i + k) * Wo + j];
          for (int q = 0; q < 5; ++q)
            m[q] += g[k] * r[q * H * Wo];
        }
        double mx = m[0], my = m[1];
        double sx = m[2] - mx * mx, sy = m[3] - my * my, sxy = m[4] - mx * my;
        sum += ((2 * mx * my + C1) * (2 * sxy + C2)) /
               ((mx * mx + my * my + C1) * (sx + sy + C2));
      }
    total += sum;
  }
  return total / static_cast<double>(N * C * Ho * Wo);
}

} // namespace llie
