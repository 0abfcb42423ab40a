// The command-line tools as a researcher uses them: llie-compile writes plans and dumps and
// reports broken sources with file:line:col; llie-run enhances real photos of any size into
// same-size PNGs, refuses mismatched weights with a list of differences, and reports missing
// images and corrupt plans clearly, with a non-zero exit code and no crash.
#include "runtime/image_io.h"
#include "runtime/safetensors.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sys/wait.h>

using namespace llie;
using namespace llie::testing;
namespace fs = std::filesystem;

TEST(Cli, CompileWritesPlanIrAndDot) {
  TmpDir d;
  RunResult r = run(tool("llie-compile") + " " + repoPath("models/zero_dce.llie") + " -o " +
                    d.path("z.plan"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(readAll(d.path("z.plan")).find("\"format\": \"llie-plan\""), std::string::npos);
  r = run(tool("llie-compile") + " " + repoPath("models/zero_dce.llie") + " --emit ir");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("param {name=\"e_conv7.weight\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("output enhanced = %"), std::string::npos);
  r = run(tool("llie-compile") + " " + repoPath("models/sadfpn_unet.llie") + " --emit dot -o " +
          d.path("u.dot"));
  ASSERT_EQ(r.code, 0) << r.output;
  std::string dot = readAll(d.path("u.dot"));
  EXPECT_EQ(dot.rfind("digraph \"SadFpnUnet\"", 0), 0u);
  EXPECT_NE(dot.find("f32[N, 256, H/16, W/16]"), std::string::npos);
}

TEST(Cli, CompileReportsBrokenSourceWithLocationAndFails) {
  TmpDir d;
  writeAll(d.path("bad.llie"), "model M(x: [N, 3, H, W]) -> y {\n  y = x |> conv2d(8, 3\n}\n");
  RunResult r = run(tool("llie-compile") + " " + d.path("bad.llie") + " --emit ir");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(d.path("bad.llie") + ":2:23: error: expected ')' after '3'"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("^"), std::string::npos);
  r = run(tool("llie-compile") + " " + d.path("missing.llie"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
}

TEST(Cli, EnhanceWritesOnePngPerPhotoAtTheSameSize) {
  if (!fs::exists(sharedData() + "/lowlight"))
    GTEST_SKIP() << "../shared/data/lowlight is absent (a fresh clone has no shared data)";
  TmpDir d;
  RunResult r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") + " enhance " +
                    sharedData() + "/lowlight -o " + d.path("out"));
  ASSERT_EQ(r.code, 0) << r.output;
  auto inputs = listImages(sharedData() + "/lowlight");
  ASSERT_TRUE(inputs.ok());
  ASSERT_GE(inputs->size(), 20u);
  for (auto& in : *inputs) {
    std::string out = d.path("out/" + fs::path(in).stem().string() + ".png");
    auto a = loadImage(in), b = loadImage(out);
    ASSERT_TRUE(a.ok() && b.ok()) << out;
    EXPECT_EQ(a->shape, b->shape) << in;
    // The output differs from the input (the curve did something) and holds no NaN.
    double diff = 0;
    for (int64_t i = 0; i < a->numel(); ++i)
      diff += std::abs(a->f32()[i] - b->f32()[i]);
    EXPECT_GT(diff / a->numel(), 1e-4) << in;
  }
}

TEST(Cli, FlagshipEnhancesOddSizesByPaddingAndCropping) {
  if (!fs::exists(sharedData() + "/lowlight"))
    GTEST_SKIP() << "../shared/data/lowlight is absent (a fresh clone has no shared data)";
  TmpDir d;
  // lime-*.bmp include sides that are not multiples of 16.
  std::string imgs;
  auto all = listImages(sharedData() + "/lowlight");
  ASSERT_TRUE(all.ok());
  int picked = 0;
  for (auto& f : *all) {
    auto img = loadImage(f);
    ASSERT_TRUE(img.ok());
    if ((img->shape[2] % 16 || img->shape[3] % 16) && img->numel() < 3 * 420 * 420 && picked < 2) {
      imgs += " " + f;
      ++picked;
    }
  }
  ASSERT_EQ(picked, 2);
  RunResult r = run(tool("llie-run") + " " + repoPath("models/sadfpn_unet.llie") + " enhance" +
                    imgs + " -o " + d.path("out"));
  ASSERT_EQ(r.code, 0) << r.output;
  for (auto& e : fs::directory_iterator(d.path("out"))) {
    auto out = loadImage(e.path().string());
    ASSERT_TRUE(out.ok());
    bool matched = false;
    for (auto& f : *all)
      if (fs::path(f).stem() == e.path().stem()) matched = loadImage(f)->shape == out->shape;
    EXPECT_TRUE(matched) << e.path();
  }
}

TEST(Cli, MissingImageIsAClearErrorAndOthersStillRun) {
  TmpDir d;
  RunResult r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") + " enhance " +
                    d.path("nope.png") + " -o " + d.path("out"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("nope.png"), std::string::npos) << r.output;
}

TEST(Cli, MismatchedWeightsAreRefusedWithTheDifferences) {
  TmpDir d;
  RunResult r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") +
                    " init-weights -o " + d.path("w.safetensors"));
  ASSERT_EQ(r.code, 0) << r.output;
  auto f = readSafetensors(d.path("w.safetensors"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->tensors.size(), 14u);
  f->tensors.erase("e_conv3.bias");
  f->tensors["e_conv1.weight"] = HostTensor({32, 3, 5, 5});
  f->tensors["extra.weight"] = HostTensor({2});
  ASSERT_TRUE(writeSafetensors(d.path("bad.safetensors"), *f).isOk());
  writeAll(d.path("x.png"), "");
  r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") + " --weights " +
          d.path("bad.safetensors") + " enhance " + repoPath("docs") + " -o " + d.path("o"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("does not match model 'ZeroDCE'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing from the file (1):\n    e_conv3.bias [32]"), std::string::npos)
      << r.output;
  EXPECT_NE(
      r.output.find("e_conv1.weight: file has f32[32, 3, 5, 5], model needs f32[32, 3, 3, 3]"),
      std::string::npos);
  EXPECT_NE(r.output.find("in the file but not in the model (1):\n    extra.weight [2]"),
            std::string::npos);
}

TEST(Cli, CorruptPlanIsRefused) {
  TmpDir d;
  writeAll(d.path("x.plan"),
           "{\"format\": \"llie-plan\", \"version\": 1, \"graph\": {\"nodes\": 3}}");
  RunResult r = run(tool("llie-run") + " " + d.path("x.plan") + " bench");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("plan: malformed"), std::string::npos) << r.output;
  writeAll(d.path("y.plan"), "not json at all");
  r = run(tool("llie-run") + " " + d.path("y.plan") + " bench");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("is not a plan"), std::string::npos) << r.output;
}

// Every op has a cpu kernel, but not every attribute combination: a softmax over two axes that
// are not next to each other is one the cpu backend refuses.
TEST(Cli, AnOpTheCpuBackendRefusesIsNamedWithItsSourceLine) {
  TmpDir d;
  writeAll(d.path("m.llie"),
           "model M(x: [N, 3, H, W]) -> y {\n  y = softmax(x, axes=[1, 3]) * x\n}\n");
  HostTensor img({1, 3, 6, 8});
  ASSERT_TRUE(savePng(d.path("a.png"), img).isOk());
  RunResult r = run(tool("llie-run") + " " + d.path("m.llie") + " enhance " + d.path("a.png") +
                    " -o " + d.path("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(d.path("m.llie") +
                          ":2:7: error: op 'softmax' is not supported by the cpu backend"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(d.path("out/a.png"))); // nothing half-written
}
