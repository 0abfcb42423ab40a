// Training data: the synthetic low-light model (mean intensity range, determinism, Poisson
// sampler moments, noise variance y/peak + sigma^2 on a flat image) and the prefetching loader
// (same seed -> identical batches whatever the timing, different seeds differ, epoch
// reshuffling, synthetic pairs, an unreadable image reported by next()).
#include "runtime/data/loader.h"
#include "runtime/data/synthetic.h"
#include "runtime/image_io.h"

#include "tests/runtime/tmp_dir.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <gtest/gtest.h>
#include <set>
#include <thread>

using namespace llie;
using namespace llie::data;
using llie::testing::TmpDir;

namespace {

double mean(const HostTensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    s += t.f32()[i];
  return s / static_cast<double>(t.numel());
}

/// A horizontal gradient 0..1 (mean 0.5), as [1, 3, h, w].
HostTensor gradient(int64_t h, int64_t w) {
  HostTensor t({1, 3, h, w});
  for (int64_t p = 0; p < 3 * h; ++p)
    for (int64_t x = 0; x < w; ++x)
      t.f32()[p * w + x] = static_cast<float>(x) / static_cast<float>(w - 1);
  return t;
}

} // namespace

TEST(DataSynthetic, PoissonMoments) {
  for (double lam : {0.5, 3.0, 9.9, 10.0, 37.5, 250.0}) {
    Rng rng(42);
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      double k = static_cast<double>(poisson(lam, rng));
      s += k;
      s2 += k * k;
    }
    double m = s / n, var = s2 / n - m * m;
    EXPECT_NEAR(m, lam, 4 * std::sqrt(lam / n)) << lam;
    EXPECT_NEAR(var / lam, 1.0, 0.03) << lam;
  }
  Rng rng(1);
  EXPECT_EQ(poisson(0.0, rng), 0);
  EXPECT_EQ(poisson(-1.0, rng), 0);
}

TEST(DataSynthetic, MeanDropsIntoDocumentedRange) {
  HostTensor x = gradient(16, 256);
  SyntheticParams p;
  for (uint64_t i = 0; i < 50; ++i) {
    DarkenDraw d;
    HostTensor y = synthesizeLowLight(x, p, 7, i, &d);
    EXPECT_GE(d.gamma, 2.0);
    EXPECT_LT(d.gamma, 2.6);
    EXPECT_GE(d.scale, 0.15);
    EXPECT_LT(d.scale, 0.5);
    EXPECT_GE(d.peak, 100.0);
    EXPECT_LT(d.peak, 400.0);
    EXPECT_GE(d.sigma, 0.002);
    EXPECT_LT(d.sigma, 0.01);
    const double m = mean(y);
    // Documented: scale / (gamma + 1) in [0.041, 0.167] for the 0..1 gradient (discrete
    // gradient and noise: a small tolerance).
    EXPECT_GT(m, 0.038) << i;
    EXPECT_LT(m, 0.170) << i;
    EXPECT_NEAR(m, d.scale / (d.gamma + 1.0), 0.006) << i;
    for (int64_t k = 0; k < y.numel(); ++k)
      ASSERT_TRUE(y.f32()[k] >= 0.f && y.f32()[k] <= 1.f);
  }
}

TEST(DataSynthetic, DeterministicForSeedAndIndex) {
  HostTensor x = gradient(16, 16);
  SyntheticParams p;
  HostTensor a = synthesizeLowLight(x, p, 3, 5), b = synthesizeLowLight(x, p, 3, 5);
  EXPECT_EQ(a.storage, b.storage);
  EXPECT_NE(a.storage, synthesizeLowLight(x, p, 3, 6).storage);
  EXPECT_NE(a.storage, synthesizeLowLight(x, p, 4, 5).storage);
}

TEST(DataSynthetic, NoiseVarianceOnFlatImage) {
  HostTensor x({1, 3, 256, 256});
  std::fill(x.f32(), x.f32() + x.numel(), 0.8f);
  for (uint64_t i = 0; i < 4; ++i) {
    DarkenDraw d;
    HostTensor y = synthesizeLowLight(x, SyntheticParams{}, 11, i, &d);
    const double clean = d.scale * std::pow(0.8, d.gamma);
    double s = 0, s2 = 0;
    for (int64_t k = 0; k < y.numel(); ++k) {
      s += y.f32()[k];
      s2 += static_cast<double>(y.f32()[k]) * y.f32()[k];
    }
    const double n = static_cast<double>(y.numel()), m = s / n, var = s2 / n - m * m;
    const double expected = clean / d.peak + d.sigma * d.sigma;
    EXPECT_NEAR(m, clean, 3 * std::sqrt(expected / n)) << i;
    EXPECT_NEAR(var / expected, 1.0, 0.03) << "draw " << i << ": y " << clean << " peak "
                                           << d.peak << " sigma " << d.sigma;
  }
}

namespace {

/// n paired 20x24 images with distinct content in DIR/low, DIR/high.
void makePaired(const TmpDir& d, int n) {
  std::filesystem::create_directories(d.path("low"));
  std::filesystem::create_directories(d.path("high"));
  for (int i = 0; i < n; ++i) {
    HostTensor low({1, 3, 20, 24}), high({1, 3, 20, 24});
    for (int64_t k = 0; k < low.numel(); ++k) {
      low.f32()[k] = static_cast<float>((k * 7 + i * 31) % 256) / 255.f;
      high.f32()[k] = static_cast<float>((k * 7 + i * 31 + 3) % 256) / 255.f;
    }
    std::string name = "img" + std::to_string(10 + i) + ".png";
    ASSERT_TRUE(savePng(d.path("low/" + name), low).isOk());
    ASSERT_TRUE(savePng(d.path("high/" + name), high).isOk());
  }
}

LoaderOptions smallOptions(uint64_t seed) {
  LoaderOptions o;
  o.batchSize = 3;
  o.augment.cropH = o.augment.cropW = 16;
  o.seed = seed;
  o.prefetch = 2;
  return o;
}

} // namespace

TEST(DataLoader, SameSeedSameBatchesWhateverTheTiming) {
  TmpDir d;
  makePaired(d, 7);
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  auto data = std::make_shared<PairedDataset>(std::move(*ds));
  auto a = Loader::create(data, smallOptions(5));
  LoaderOptions slowOpt = smallOptions(5);
  slowOpt.prefetch = 1;
  auto b = Loader::create(data, slowOpt);
  auto c = Loader::create(data, smallOptions(6));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->batchesPerEpoch(), 2); // 7 samples, batches of 3, last partial one dropped
  int differ = 0;
  std::set<std::vector<std::string>> epochOrders;
  for (int step = 0; step < 8; ++step) {
    if (step % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto ba = (*a)->next(), bb = (*b)->next(), bc = (*c)->next();
    ASSERT_TRUE(ba.ok() && bb.ok() && bc.ok()) << ba.status().message();
    EXPECT_EQ(ba->low.shape, (std::vector<int64_t>{3, 3, 16, 16}));
    EXPECT_EQ(ba->high.shape, (std::vector<int64_t>{3, 3, 16, 16}));
    EXPECT_EQ(ba->step, step);
    EXPECT_EQ(ba->epoch, step / 2);
    EXPECT_EQ(ba->names, bb->names);
    EXPECT_EQ(ba->low.storage, bb->low.storage);
    EXPECT_EQ(ba->high.storage, bb->high.storage);
    auto sync = (*a)->batchAt(step);
    ASSERT_TRUE(sync.ok());
    EXPECT_EQ(sync->low.storage, ba->low.storage);
    differ += ba->low.storage != bc->low.storage;
    if (step % 2 == 0) epochOrders.insert(ba->names);
    // Pairs stay aligned through crop/flip/rotate: high = low + 3/255 where no wrap-around.
    int aligned = 0;
    for (int64_t k = 0; k < ba->low.numel(); ++k)
      aligned += std::abs(ba->high.f32()[k] - ba->low.f32()[k] - 3.f / 255.f) < 1e-5f;
    EXPECT_GT(aligned, ba->low.numel() * 9 / 10);
  }
  EXPECT_EQ(differ, 8);
  EXPECT_GE(epochOrders.size(), 3u); // reshuffled between epochs
  // Each epoch visits distinct samples.
  auto order = (*a)->epochOrder(1);
  EXPECT_EQ(std::set<size_t>(order.begin(), order.end()).size(), 7u);
}

TEST(DataLoader, SyntheticPairsFromNormalPhotos) {
  TmpDir d;
  for (int i = 0; i < 4; ++i) {
    HostTensor img = gradient(18, 18);
    for (int64_t k = 0; k < img.numel(); ++k)
      img.f32()[k] = std::min(1.f, img.f32()[k] * 0.5f + 0.1f * static_cast<float>(i));
    ASSERT_TRUE(savePng(d.path("n" + std::to_string(i) + ".png"), img).isOk());
  }
  auto ds = UnpairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  auto data = std::make_shared<UnpairedDataset>(std::move(*ds));
  LoaderOptions o = smallOptions(9);
  o.batchSize = 2;
  o.synthesizeLow = true;
  auto l = Loader::create(data, o);
  ASSERT_TRUE(l.ok());
  for (int step = 0; step < 4; ++step) {
    auto b = (*l)->next();
    ASSERT_TRUE(b.ok()) << b.status().message();
    ASSERT_EQ(b->high.shape, (std::vector<int64_t>{2, 3, 16, 16}));
    EXPECT_LT(mean(b->low), 0.5 * mean(b->high) + 0.01);
    EXPECT_GT(mean(b->low), 0.0);
  }
  o.synthesizeLow = false; // zero-reference: no high
  auto z = Loader::create(data, o);
  ASSERT_TRUE(z.ok());
  auto b = (*z)->next();
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->high.shape.empty());
  EXPECT_EQ(b->low.shape, (std::vector<int64_t>{2, 3, 16, 16}));
}

TEST(DataLoader, OptionErrors) {
  TmpDir d;
  makePaired(d, 2);
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  auto data = std::make_shared<PairedDataset>(std::move(*ds));
  auto big = Loader::create(data, smallOptions(1)); // 2 samples, batch 3
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("no full batch"), std::string::npos);
  LoaderOptions keep = smallOptions(1);
  keep.dropLast = false;
  auto partial = Loader::create(data, keep);
  ASSERT_TRUE(partial.ok());
  auto b = (*partial)->next();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->low.shape[0], 2);
  LoaderOptions synth = smallOptions(1);
  synth.synthesizeLow = true;
  EXPECT_FALSE(Loader::create(data, synth).ok());
  LoaderOptions crop = smallOptions(1);
  crop.batchSize = 1;
  crop.augment.cropH = crop.augment.cropW = 64;
  auto tooBig = Loader::create(data, crop);
  ASSERT_TRUE(tooBig.ok());
  auto e = (*tooBig)->next();
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("smaller than the crop 64x64"), std::string::npos);
}

TEST(DataLoader, CorruptImageSurfacesFromNext) {
  TmpDir d;
  makePaired(d, 6);
  llie::testing::writeAll(d.path("high/img13.png"), "not a png at all");
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok()); // opening only lists files
  auto data = std::make_shared<PairedDataset>(std::move(*ds));
  LoaderOptions o = smallOptions(2);
  o.batchSize = 1;
  o.shuffle = false; // img13 is the 4th sample
  auto l = Loader::create(data, o);
  ASSERT_TRUE(l.ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE((*l)->next().ok());
  auto bad = (*l)->next();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("img13.png"), std::string::npos) << bad.status().message();
  auto again = (*l)->next(); // the stream stays failed
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), bad.status().message());
}

TEST(DataLoader, DestructorStopsAFullQueue) {
  TmpDir d;
  makePaired(d, 6);
  auto ds = PairedDataset::open(d.dir().string());
  ASSERT_TRUE(ds.ok());
  auto data = std::make_shared<PairedDataset>(std::move(*ds));
  for (int i = 0; i < 5; ++i) {
    auto l = Loader::create(data, smallOptions(static_cast<uint64_t>(i)));
    ASSERT_TRUE(l.ok());
    if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(20)); // queue fills up
  } // destroyed with the worker blocked on a full queue, or mid-batch
  SUCCEED();
}
