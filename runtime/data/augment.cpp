// Crop / flip / rotate for image pairs and the batch collator (see augment.h).
#include "runtime/data/augment.h"

namespace llie::data {

namespace {

/// Generic remap of the last two axes: out has spatial size oh x ow, and out(i, j) = in(f(i, j)).
template <class F> HostTensor remap(const HostTensor& t, int64_t oh, int64_t ow, F f) {
  const int64_t H = t.shape[t.shape.size() - 2], W = t.shape.back();
  const int64_t planes = t.numel() / (H * W);
  std::vector<int64_t> shape = t.shape;
  shape[shape.size() - 2] = oh;
  shape.back() = ow;
  HostTensor out(shape);
  const float* src = t.f32();
  float* dst = out.f32();
  for (int64_t p = 0; p < planes; ++p) {
    const float* s = src + p * H * W;
    float* d = dst + p * oh * ow;
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        auto [y, x] = f(i, j);
        d[i * ow + j] = s[y * W + x];
      }
  }
  return out;
}

int64_t height(const HostTensor& t) { return t.shape[t.shape.size() - 2]; }
int64_t width(const HostTensor& t) { return t.shape.back(); }

} // namespace

HostTensor cropWindow(const HostTensor& t, int64_t y0, int64_t x0, int64_t h, int64_t w) {
  LLIE_CHECK(y0 >= 0 && x0 >= 0 && y0 + h <= height(t) && x0 + w <= width(t), "crop out of range");
  return remap(t, h, w, [&](int64_t i, int64_t j) { return std::pair{y0 + i, x0 + j}; });
}

HostTensor flipHorizontal(const HostTensor& t) {
  const int64_t W = width(t);
  return remap(t, height(t), W, [&](int64_t i, int64_t j) { return std::pair{i, W - 1 - j}; });
}

HostTensor flipVertical(const HostTensor& t) {
  const int64_t H = height(t);
  return remap(t, H, width(t), [&](int64_t i, int64_t j) { return std::pair{H - 1 - i, j}; });
}

HostTensor rotate90(const HostTensor& t, int k) {
  const int64_t H = height(t), W = width(t);
  switch (((k % 4) + 4) % 4) {
  case 1: return remap(t, W, H, [&](int64_t i, int64_t j) { return std::pair{j, W - 1 - i}; });
  case 2:
    return remap(t, H, W, [&](int64_t i, int64_t j) { return std::pair{H - 1 - i, W - 1 - j}; });
  case 3: return remap(t, W, H, [&](int64_t i, int64_t j) { return std::pair{H - 1 - j, i}; });
  default: return t;
  }
}

Expected<Sample> augment(Sample s, const AugmentOptions& opt, Rng& rng) {
  const bool paired = !s.high.shape.empty();
  if (s.low.shape.size() < 2) return Status::error("sample '" + s.name + "' has no image");
  if (paired && s.high.shape != s.low.shape)
    return Status::error("sample '" + s.name + "': low is " + sizeString(s.low) + " but high is " +
                         sizeString(s.high));
  if ((opt.cropH > 0) != (opt.cropW > 0) || opt.cropH < 0 || opt.cropW < 0)
    return Status::error("crop size must be two positive numbers (or 0x0 for no crop), got " +
                         std::to_string(opt.cropW) + "x" + std::to_string(opt.cropH));
  auto apply = [&](auto fn) {
    s.low = fn(s.low);
    if (paired) s.high = fn(s.high);
  };
  if (opt.cropH > 0) {
    const int64_t H = height(s.low), W = width(s.low);
    if (H < opt.cropH || W < opt.cropW)
      return Status::error("image '" + s.name + "' is " + sizeString(s.low) +
                           ", smaller than the crop " + std::to_string(opt.cropW) + "x" +
                           std::to_string(opt.cropH));
    const int64_t y = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(H - opt.cropH + 1));
    const int64_t x = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(W - opt.cropW + 1));
    if (H != opt.cropH || W != opt.cropW)
      apply([&](const HostTensor& t) { return cropWindow(t, y, x, opt.cropH, opt.cropW); });
  }
  if (opt.hflip && (rng.next() >> 63)) apply(flipHorizontal);
  if (opt.vflip && (rng.next() >> 63)) apply(flipVertical);
  if (opt.rot90) {
    int k = static_cast<int>(rng.next() >> 62);
    if (height(s.low) != width(s.low)) k &= 2;
    if (k) apply([&](const HostTensor& t) { return rotate90(t, k); });
  }
  return s;
}

Expected<Batch> collate(const std::vector<Sample>& samples) {
  if (samples.empty()) return Status::error("cannot collate an empty batch");
  const Sample& first = samples[0];
  const bool paired = !first.high.shape.empty();
  if (first.low.shape.size() != 4 || first.low.shape[0] != 1)
    return Status::error("sample '" + first.name + "' is not a [1, C, H, W] image");
  for (auto& s : samples) {
    if (s.low.shape != first.low.shape)
      return Status::error("cannot batch '" + first.name + "' (" + sizeString(first.low) +
                           ") with '" + s.name + "' (" + sizeString(s.low) +
                           "): sizes differ; use a crop");
    if (paired != !s.high.shape.empty() || (paired && s.high.shape != s.low.shape))
      return Status::error("cannot batch '" + s.name + "': paired and unpaired samples mixed");
  }
  const int64_t n = static_cast<int64_t>(samples.size()), per = first.low.numel();
  std::vector<int64_t> shape = first.low.shape;
  shape[0] = n;
  Batch b;
  b.low = HostTensor(shape);
  if (paired) b.high = HostTensor(shape);
  for (int64_t i = 0; i < n; ++i) {
    const Sample& s = samples[i];
    std::copy(s.low.f32(), s.low.f32() + per, b.low.f32() + i * per);
    if (paired) std::copy(s.high.f32(), s.high.f32() + per, b.high.f32() + i * per);
    b.names.push_back(s.name);
  }
  return b;
}

} // namespace llie::data
