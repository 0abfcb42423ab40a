// Training data: paired / unpaired folders (stem matching and the error messages for missing,
// empty, unmatched and mismatched data), crop / flip / rotation applied identically to both
// halves of a pair (checked pixel by pixel on a coded pattern), and batch collation.
#include "runtime/data/augment.h"
#include "runtime/data/dataset.h"
#include "runtime/image_io.h"

#include "tests/runtime/tmp_dir.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace llie;
using namespace llie::data;
using llie::testing::TmpDir;

namespace {

/// An image whose pixel values encode (c, y, x) exactly in 8 bits (for h, w <= 16).
HostTensor coded(int64_t h, int64_t w, int64_t offset = 0) {
  HostTensor t({1, 3, h, w});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        t.f32()[(c * h + y) * w + x] = static_cast<float>((c * 80 + y * 16 + x + offset) % 256) / 255.f;
  return t;
}

void write(const std::string& path, const HostTensor& t) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  ASSERT_TRUE(savePng(path, t).isOk()) << path;
}

float at(const HostTensor& t, int64_t c, int64_t y, int64_t x) {
  const int64_t H = t.shape[2], W = t.shape[3];
  return t.f32()[(c * H + y) * W + x];
}

} // namespace

TEST(DataPaired, MatchesByStemAcrossExtensions) {
  TmpDir d;
  write(d.path("low/b.png"), coded(4, 5));
  write(d.path("high/b.png"), coded(4, 5, 7));
  write(d.path("low/a.png"), coded(3, 3));
  write(d.path("high/a.bmp.png"), coded(3, 3)); // stem "a.bmp", not "a"
  auto bad = PairedDataset::open(d.dir().string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("only in low/: a"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("only in high/: a.bmp"), std::string::npos);

  std::filesystem::remove(d.path("high/a.bmp.png"));
  write(d.path("high/a.png"), coded(3, 3, 1));
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->name(0), "a");
  auto s = ds->load(1);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "b");
  EXPECT_EQ(s->low.shape, (std::vector<int64_t>{1, 3, 4, 5}));
  EXPECT_FLOAT_EQ(at(s->high, 0, 0, 0), 7.f / 255.f);
}

TEST(DataPaired, ClearErrors) {
  TmpDir d;
  auto missing = PairedDataset::open(d.path("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
  write(d.path("low/x.png"), coded(2, 2));
  auto noHigh = PairedDataset::open(d.dir().string());
  ASSERT_FALSE(noHigh.ok());
  EXPECT_NE(noHigh.status().message().find("high"), std::string::npos);
  std::filesystem::create_directories(d.path("high"));
  auto empty = PairedDataset::open(d.dir().string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("holds no image"), std::string::npos);
  write(d.path("high/x.png"), coded(2, 3));
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  auto s = ds->load(0); // size mismatch is found when the pair is decoded
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("sizes differ"), std::string::npos);
  EXPECT_NE(s.status().message().find("2x2"), std::string::npos);
  EXPECT_NE(s.status().message().find("3x2"), std::string::npos);
  write(d.path("high/x.bmp"), coded(2, 2)); // PNG bytes: only names are checked at open
  auto dup = PairedDataset::open(d.dir().string());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("two images named 'x'"), std::string::npos);
}

TEST(DataUnpaired, ListsEveryImage) {
  TmpDir d;
  write(d.path("c.png"), coded(2, 2));
  write(d.path("a.png"), coded(3, 2));
  auto ds = UnpairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ(ds->size(), 2u);
  auto s = ds->load(0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "a");
  EXPECT_EQ(s->low.shape, (std::vector<int64_t>{1, 3, 3, 2}));
  EXPECT_TRUE(s->high.shape.empty());
  EXPECT_FALSE(UnpairedDataset::open(d.path("none")).ok());
}

TEST(DataAugment, RotationsAndFlipsMatchNumpy) {
  HostTensor t = coded(3, 4);
  HostTensor r = rotate90(t, 1); // numpy.rot90: out[i, j] = in[j, W-1-i]
  ASSERT_EQ(r.shape, (std::vector<int64_t>{1, 3, 4, 3}));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(at(r, 1, i, j), at(t, 1, j, 3 - i));
  HostTensor r3 = rotate90(rotate90(r, 1), 1);
  HostTensor direct3 = rotate90(t, 3);
  EXPECT_EQ(r3.shape, direct3.shape);
  EXPECT_EQ(r3.storage, direct3.storage);
  EXPECT_EQ(rotate90(direct3, 1).storage, t.storage);
  HostTensor h = flipHorizontal(t), v = flipVertical(t);
  EXPECT_EQ(at(h, 2, 1, 0), at(t, 2, 1, 3));
  EXPECT_EQ(at(v, 0, 0, 2), at(t, 0, 2, 2));
  EXPECT_EQ(flipHorizontal(h).storage, t.storage);
  EXPECT_EQ(rotate90(t, 2).storage, flipVertical(h).storage);
}

TEST(DataAugment, SameTransformOnBothHalves) {
  // high = low + 1/255 everywhere, so any pixel correspondence error shows up. Every value of
  // low is unique per channel, so we can find where each output pixel came from.
  HostTensor low = coded(12, 14), high = coded(12, 14, 1);
  AugmentOptions opt;
  opt.cropH = opt.cropW = 8;
  int transforms = 0;
  std::vector<float> seenCorner;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Rng rng(seed);
    auto s = augment(Sample{low, high, "p"}, opt, rng);
    ASSERT_TRUE(s.ok()) << s.status().message();
    ASSERT_EQ(s->low.shape, (std::vector<int64_t>{1, 3, 8, 8}));
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 8; ++y)
        for (int64_t x = 0; x < 8; ++x)
          ASSERT_NEAR(at(s->high, c, y, x) - at(s->low, c, y, x), 1.f / 255.f, 1e-6f);
    // Neighbours in the output are neighbours in the source (a rigid transform of a window).
    auto code = [&](int64_t y, int64_t x) {
      return static_cast<int>(std::lround(at(s->low, 0, y, x) * 255.f));
    };
    int dx = code(0, 1) - code(0, 0), dy = code(1, 0) - code(0, 0);
    EXPECT_TRUE((std::abs(dx) == 1 && std::abs(dy) == 16) || (std::abs(dx) == 16 && std::abs(dy) == 1));
    seenCorner.push_back(at(s->low, 0, 0, 0));
    transforms += (dx != 1 || dy != 16);
    Rng again(seed);
    auto s2 = augment(Sample{low, high, "p"}, opt, again);
    EXPECT_EQ(s2->low.storage, s->low.storage); // deterministic for the seed
  }
  EXPECT_GT(transforms, 25); // 1 - 1/16 of the seeds flip or rotate
  std::sort(seenCorner.begin(), seenCorner.end());
  EXPECT_GT(std::unique(seenCorner.begin(), seenCorner.end()) - seenCorner.begin(), 10);
}

TEST(DataAugment, NonSquareKeepsShapeAndSmallImageIsAnError) {
  AugmentOptions opt;
  opt.cropH = 4;
  opt.cropW = 6;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    Rng rng(seed);
    auto s = augment(Sample{coded(5, 9), HostTensor{}, "u"}, opt, rng);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->low.shape, (std::vector<int64_t>{1, 3, 4, 6}));
    EXPECT_TRUE(s->high.shape.empty());
  }
  Rng rng(1);
  auto small = augment(Sample{coded(5, 5), coded(5, 5), "tiny"}, opt, rng);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().message(), "image 'tiny' is 5x5, smaller than the crop 6x4");
  auto mism = augment(Sample{coded(5, 9), coded(5, 8), "m"}, opt, rng);
  ASSERT_FALSE(mism.ok());
  EXPECT_NE(mism.status().message().find("low is 9x5 but high is 8x5"), std::string::npos);
}

TEST(DataCollate, StacksAlongBatch) {
  std::vector<Sample> v{{coded(2, 3), coded(2, 3, 1), "a"}, {coded(2, 3, 5), coded(2, 3, 6), "b"}};
  auto b = collate(v);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->low.shape, (std::vector<int64_t>{2, 3, 2, 3}));
  EXPECT_EQ(b->high.shape, (std::vector<int64_t>{2, 3, 2, 3}));
  EXPECT_EQ(b->names, (std::vector<std::string>{"a", "b"}));
  EXPECT_FLOAT_EQ(b->low.f32()[18], 5.f / 255.f); // sample 1, c 0, (0, 0)
  EXPECT_FLOAT_EQ(b->high.f32()[18 + 17], at(v[1].high, 2, 1, 2));
  v.push_back({coded(3, 2), coded(3, 2), "c"});
  auto bad = collate(v);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'c' (2x3)"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(collate({}).ok());
  EXPECT_FALSE(collate({{coded(2, 2), coded(2, 2), "p"}, {coded(2, 2), HostTensor{}, "u"}}).ok());
}
