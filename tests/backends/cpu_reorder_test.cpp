// The cpu backend's activation reorders (backends/cpu/reorder.h): its own NHWC <-> nChw16c copy
// puts every element where the layouts' index formulas say, agrees bit for bit with oneDNN's
// reorder on odd sizes (pixel counts that are not a multiple of its 64-pixel chunks, one pixel,
// batch 3; small tensors on one thread, a bigger one on the OpenMP threads), round-trips exactly,
// and the pairs it does not handle (plain NCHW, channels that are no multiple of 16) still go
// through oneDNN.
#include "backends/cpu/reorder.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace llie::cpu {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

struct Shape4 {
  int64_t n, c, h, w;
};

std::vector<float> randomData(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(count);
  for (float& x : v)
    x = d(rng);
  return v;
}

/// Runs Reorder and oneDNN's reorder from `from` to `to` over `data`; returns both results.
std::pair<std::vector<float>, std::vector<float>> both(const Shape4& s, Tag from, Tag to,
                                                       std::vector<float>& data) {
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const memory::dims dims{s.n, s.c, s.h, s.w};
  memory src({dims, memory::data_type::f32, from}, eng, data.data());
  std::vector<float> ours(data.size(), -7.f), theirs(data.size(), -7.f);
  memory a({dims, memory::data_type::f32, to}, eng, ours.data());
  memory b({dims, memory::data_type::f32, to}, eng, theirs.data());
  Reorder(src, a).execute(strm, src, a);
  dnnl::reorder(src, b).execute(strm, src, b);
  strm.wait();
  return {ours, theirs};
}

TEST(CpuReorder, NhwcToBlockedFollowsTheIndexFormulasAndMatchesOneDnn) {
  for (Shape4 s : std::vector<Shape4>{
           {1, 16, 1, 1}, {2, 32, 7, 9}, {3, 48, 13, 11}, {1, 64, 65, 3}, {2, 32, 40, 30}}) {
    std::vector<float> x = randomData(s.n * s.c * s.h * s.w, static_cast<uint32_t>(s.c + s.h));
    auto [ours, theirs] = both(s, Tag::nhwc, Tag::nChw16c, x);
    EXPECT_EQ(ours, theirs) << s.n << "x" << s.c << "x" << s.h << "x" << s.w;
    const int64_t hw = s.h * s.w;
    int64_t wrong = 0;
    for (int64_t n = 0; n < s.n; ++n)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t p = 0; p < hw; ++p)
          wrong +=
              ours[((n * (s.c / 16) + c / 16) * hw + p) * 16 + c % 16] != x[(n * hw + p) * s.c + c];
    EXPECT_EQ(wrong, 0);
    // And back, exactly.
    auto [back, theirsBack] = both(s, Tag::nChw16c, Tag::nhwc, ours);
    EXPECT_EQ(back, x);
    EXPECT_EQ(theirsBack, x);
  }
}

TEST(CpuReorder, OtherLayoutPairsGoThroughOneDnn) {
  // Plain NCHW to nChw16c, and NHWC with 24 channels (no multiple of 16) to nChw8c.
  Shape4 s{2, 32, 5, 3};
  std::vector<float> x = randomData(s.n * s.c * s.h * s.w, 3);
  auto [ours, theirs] = both(s, Tag::nchw, Tag::nChw16c, x);
  EXPECT_EQ(ours, theirs);
  Shape4 t{2, 24, 5, 3};
  std::vector<float> y = randomData(t.n * t.c * t.h * t.w, 4);
  auto [ours2, theirs2] = both(t, Tag::nhwc, Tag::nChw8c, y);
  EXPECT_EQ(ours2, theirs2);
}

} // namespace
} // namespace llie::cpu
