// The tap tables declared in separable_taps.h.
#include "backends/separable_taps.h"

#include "backends/host_data_movement.h"

#include <algorithm>

namespace llie::kernels {
namespace {

/// Buckets the taps by key(tap) in [0, n), recording other(tap) and the weight.
template <class Key, class Other>
AxisTable bucket(int64_t n, const std::vector<Tap>& taps, Key key, Other other) {
  AxisTable t;
  t.begin.assign(n + 1, 0);
  for (const Tap& x : taps)
    ++t.begin[key(x) + 1];
  for (int64_t i = 0; i < n; ++i)
    t.begin[i + 1] += t.begin[i];
  t.idx.resize(taps.size());
  t.w.resize(taps.size());
  std::vector<int64_t> fill(t.begin.begin(), t.begin.end() - 1);
  for (const Tap& x : taps) {
    int64_t k = fill[key(x)]++;
    t.idx[k] = other(x);
    t.w[k] = x.w;
  }
  return t;
}

} // namespace

std::vector<Tap> padTaps(int64_t out, int64_t before, int64_t size, PadMode mode) {
  std::vector<int64_t> t = host::padTable(out, before, size, mode);
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o)
    if (t[o] >= 0) taps.push_back({o, t[o], 1.0});
  return taps;
}

std::vector<Tap> resizeTaps(int64_t out, int64_t in, bool nearest, bool alignCorners) {
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o) {
    if (nearest) {
      taps.push_back({o, nearestSrc(o, in, out), 1.0});
    } else {
      LinearTap t = linearTap(o, in, out, alignCorners);
      taps.push_back({o, t.i0, 1 - t.w1});
      taps.push_back({o, t.i1, t.w1});
    }
  }
  return taps;
}

PoolAxis poolAxis(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t padL, int64_t padR) {
  PoolAxis a;
  for (int64_t o = 0; o < out; ++o) {
    int64_t lo = o * stride - padL, hi = std::min(lo + k, in + padR);
    a.s.push_back(std::max<int64_t>(lo, 0));
    a.e.push_back(std::min(hi, in));
    a.span.push_back(hi - lo);
  }
  return a;
}

PlaneTaps avgPoolTaps(const PoolGeom& p, bool includePad) {
  auto axis = [&](const PoolAxis& a) {
    std::vector<Tap> taps;
    for (size_t o = 0; o < a.s.size(); ++o) {
      int64_t div = includePad ? a.span[o] : a.e[o] - a.s[o];
      for (int64_t i = a.s[o]; i < a.e[o]; ++i)
        taps.push_back({static_cast<int64_t>(o), i, 1.0 / static_cast<double>(div)});
    }
    return taps;
  };
  return {axis(poolAxis(p.OH, p.H, p.kh, p.sh, p.pt, p.pb)),
          axis(poolAxis(p.OW, p.W, p.kw, p.sw, p.pl, p.pr))};
}

AxisTable byOutput(int64_t out, const std::vector<Tap>& taps) {
  return bucket(
      out, taps, [](const Tap& t) { return t.out; }, [](const Tap& t) { return t.in; });
}

AxisTable byInput(int64_t in, const std::vector<Tap>& taps) {
  return bucket(
      in, taps, [](const Tap& t) { return t.in; }, [](const Tap& t) { return t.out; });
}

} // namespace llie::kernels
