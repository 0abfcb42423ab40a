// `llie-run MODEL eval DATA` end to end: on the real LOL pair (from ../shared/data, skipped when
// absent) the printed input-vs-ground-truth PSNR and SSIM equal what psnr()/ssim() give for the
// two images; on small synthetic folders it evaluates matched pairs, honours --max, and refuses
// a folder without high/, unmatched names (listing them) and pairs of different sizes.
#include "runtime/image_io.h"
#include "runtime/metrics.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

using namespace llie;
using namespace llie::testing;
namespace fs = std::filesystem;

namespace {

std::string evalCmd(const std::string& data, const std::string& extra = "") {
  return std::string(LLIE_BINARY_DIR) + "/llie-run " + LLIE_SOURCE_DIR +
         "/models/zero_dce.llie eval " + data + (extra.empty() ? "" : " " + extra);
}

/// A W x H gradient image with a seed-dependent offset, saved as PNG.
void writeImage(const std::string& path, int64_t H, int64_t W, int seed) {
  HostTensor t({1, 3, H, W});
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = static_cast<float>((i * 37 + seed * 101) % 256) / 255.f;
  ASSERT_TRUE(savePng(path, t));
}

/// The number after `key` on the line starting with `first`.
double valueAfter(const std::string& out, const std::string& first, const std::string& key) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(first, 0) == 0) {
      size_t k = line.find(key);
      if (k == std::string::npos) break;
      return std::stod(line.substr(k + key.size()));
    }
  ADD_FAILURE() << "no line starting with '" << first << "' holding '" << key << "' in:\n"
                << out;
  return std::nan("");
}

nlohmann::json lastJson(const std::string& out) {
  std::istringstream in(out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = line;
  return nlohmann::json::parse(last, nullptr, false);
}

} // namespace

TEST(EvalCli, LolPairInputMetricsMatchLibrary) {
  const std::string data = std::string(LLIE_SOURCE_DIR) + "/../shared/data/lol-pair";
  if (!fs::is_directory(data + "/low") || !fs::is_directory(data + "/high"))
    GTEST_SKIP() << "the LOL pair (../shared/data/lol-pair beside the repository) is absent";
  auto low = loadImage(data + "/low/778.png");
  auto high = loadImage(data + "/high/778.png");
  ASSERT_TRUE(low && high);
  auto p = psnr(*low, *high);
  auto s = ssim(*low, *high);
  ASSERT_TRUE(p && s);
  EXPECT_GT(*p, 5.0); // dark (mean ~7/255) against bright (~87/255)
  EXPECT_LT(*p, 12.0);

  RunResult r = run(evalCmd(data, "--json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NEAR(valueAfter(r.output, "778.png", "input: PSNR "), *p, 5e-5) << r.output;
  EXPECT_NEAR(valueAfter(r.output, "778.png", "SSIM "), *s, 5e-5) << r.output;
  EXPECT_NE(r.output.find("mean over 1 image (float)"), std::string::npos) << r.output;

  nlohmann::json j = lastJson(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["metrics"], "float");
  ASSERT_EQ(j["images"].size(), 1u);
  EXPECT_EQ(j["images"][0]["name"], "778.png");
  EXPECT_EQ(j["images"][0]["width"], 600);
  EXPECT_EQ(j["images"][0]["height"], 400);
  EXPECT_NEAR(j["images"][0]["input"]["psnr"].get<double>(), *p, 1e-9);
  EXPECT_NEAR(j["images"][0]["input"]["ssim"].get<double>(), *s, 1e-9);
  EXPECT_NEAR(j["mean"]["input"]["psnr"].get<double>(), *p, 1e-9);
  double outPsnr = j["images"][0]["output"]["psnr"].get<double>();
  double outSsim = j["images"][0]["output"]["ssim"].get<double>();
  EXPECT_TRUE(std::isfinite(outPsnr));
  EXPECT_GT(outSsim, -1.0);
  EXPECT_LE(outSsim, 1.0);
}

TEST(EvalCli, EvaluatesMatchedPairsAndHonoursMax) {
  TmpDir d;
  fs::create_directories(d.path("low"));
  fs::create_directories(d.path("high"));
  for (const char* n : {"a.png", "b.png", "c.png"}) {
    writeImage(d.path("low/") + n, 24, 20, 1);
    writeImage(d.path("high/") + n, 24, 20, 2);
  }
  RunResult r = run(evalCmd(d.dir().string(), "--max 2 --json --uint8"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("a.png  20x24  input: PSNR"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("b.png"), std::string::npos);
  EXPECT_EQ(r.output.find("c.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mean over 2 images (uint8)"), std::string::npos) << r.output;
  nlohmann::json j = lastJson(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["metrics"], "uint8");
}

TEST(EvalCli, FolderWithoutHighIsAnError) {
  TmpDir d;
  fs::create_directories(d.path("low"));
  writeImage(d.path("low/a.png"), 16, 16, 1);
  RunResult r = run(evalCmd(d.dir().string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("high' is not a folder"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DATA/low/"), std::string::npos) << r.output;
  r = run(evalCmd(d.path("nope")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("nope' is not a folder"), std::string::npos) << r.output;
}

TEST(EvalCli, UnmatchedNamesAreListed) {
  TmpDir d;
  fs::create_directories(d.path("low"));
  fs::create_directories(d.path("high"));
  writeImage(d.path("low/a.png"), 16, 16, 1);
  writeImage(d.path("low/b.png"), 16, 16, 1);
  writeImage(d.path("high/a.png"), 16, 16, 2);
  writeImage(d.path("high/c.png"), 16, 16, 2);
  RunResult r = run(evalCmd(d.dir().string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("2 images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("low/b.png has no high/b.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("high/c.png has no low/c.png"), std::string::npos) << r.output;
}

TEST(EvalCli, SizeMismatchIsAnError) {
  TmpDir d;
  fs::create_directories(d.path("low"));
  fs::create_directories(d.path("high"));
  writeImage(d.path("low/a.png"), 16, 16, 1);
  writeImage(d.path("high/a.png"), 16, 20, 2);
  RunResult r = run(evalCmd(d.dir().string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("size mismatch for a.png: low/a.png is 16x16 but high/a.png is 20x16"),
            std::string::npos)
      << r.output;
}
