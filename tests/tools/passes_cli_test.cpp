// llie-compile's pass-manager flags on the real models: --list-passes, --dump-after (files and
// stderr), --stop-after, --verify-each, --print-pass-timing, and clear errors for unknown pass
// names and for pass flags on an --emit that runs no passes.
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace llie::testing;
namespace fs = std::filesystem;

namespace {

std::string compileCmd(const std::string& model, const std::string& args) {
  return tool("llie-compile") + " " + repoPath(model) + " " + args;
}

std::vector<std::string> filesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
    ++n;
  return n;
}

} // namespace

TEST(PassesCli, ListPassesShowsNameArtifactsAndSummary) {
  RunResult r = run(tool("llie-compile") + " --list-passes");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* name : {"training-mode ", "backward ", "optimizer-update ", "dce "})
    EXPECT_NE(r.output.find(name), std::string::npos) << name << "\n" << r.output;
  EXPECT_NE(r.output.find("dce                both"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("backward           training"), std::string::npos) << r.output;
}

TEST(PassesCli, TrainEntryDumpsEveryPassAndTheLastDumpIsTheResult) {
  TmpDir d;
  RunResult r = run(compileCmd("models/zero_dce.llie",
                               "--entry ZeroDCETrain --emit ir-opt --dump-after=all --dump-dir " +
                                   d.path("dumps") + " --verify-each --print-pass-timing -o " +
                                   d.path("step.ir")));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(filesIn(d.path("dumps")),
            (std::vector<std::string>{"01-training-mode.ir", "02-backward.ir",
                                      "03-rematerialize.ir", "04-fuse-batchnorm-activation.ir",
                                      "05-optimizer-update.ir", "06-dce.ir"}));
  std::string result = readAll(d.path("step.ir"));
  EXPECT_EQ(readAll(d.path("dumps/06-dce.ir")), result);
  // Zero-DCE's 14 parameters: gradients after backward, Adam updates after the optimizer.
  std::string backward = readAll(d.path("dumps/02-backward.ir"));
  EXPECT_EQ(count(backward, "  output grad."), 14u) << backward;
  EXPECT_EQ(count(backward, "adam_update("), 0u);
  EXPECT_EQ(count(result, "adam_update("), 14u);
  EXPECT_EQ(count(result, "  output grad."), 0u);
  // The timing table, in pipeline order, on stderr.
  size_t head = r.output.find("pass ");
  ASSERT_NE(head, std::string::npos) << r.output;
  size_t last = head;
  for (const char* row :
       {"\ntraining-mode ", "\nbackward ", "\nrematerialize ", "\nfuse-batchnorm-activation ",
        "\noptimizer-update ", "\ndce ", "\ntotal "}) {
    size_t at = r.output.find(row, last);
    ASSERT_NE(at, std::string::npos) << row << "\n" << r.output;
    last = at;
  }
}

TEST(PassesCli, StopAfterBackwardShowsGradientsAndNoOptimizer) {
  TmpDir d;
  RunResult full = run(compileCmd("models/sadfpn_unet.llie",
                                  "--entry SADFPNTrain --emit ir-opt -o " + d.path("full.ir")));
  ASSERT_EQ(full.code, 0) << full.output;
  RunResult r = run(compileCmd("models/sadfpn_unet.llie",
                               "--entry SADFPNTrain --emit ir-opt --stop-after=backward "
                               "--print-pass-timing -o " +
                                   d.path("stop.ir")));
  ASSERT_EQ(r.code, 0) << r.output;
  std::string stop = readAll(d.path("stop.ir")), all = readAll(d.path("full.ir"));
  EXPECT_GT(count(stop, "  output grad."), 100u);
  EXPECT_EQ(count(stop, "adam_update("), 0u);
  EXPECT_EQ(count(all, "adam_update("), count(stop, "  output grad."));
  EXPECT_NE(stop.find("batchnorm_train("), std::string::npos);
  EXPECT_NE(r.output.find("(stopped early)"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\noptimizer-update "), std::string::npos) << r.output;
}

TEST(PassesCli, ModelEntryDumpsToStderrAndAsDotFiles) {
  TmpDir d;
  RunResult r = run(
      compileCmd("models/sadfpn_unet.llie", "--emit ir-opt --dump-after dce -o " + d.path("u.ir")));
  ASSERT_EQ(r.code, 0) << r.output;
  size_t at = r.output.find("---- after pass 7 'dce' ----\ngraph SadFpnUnet (inference)");
  ASSERT_NE(at, std::string::npos) << r.output.substr(0, 400);
  // The dump is the optimised graph the tool wrote.
  EXPECT_EQ(r.output.substr(r.output.find('\n', at) + 1), readAll(d.path("u.ir")));

  r = run(compileCmd("models/sadfpn_unet.llie", "--dump-after=all --dump-format dot --dump-dir " +
                                                    d.path("dot") + " -o " + d.path("u.plan")));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(filesIn(d.path("dot")),
            (std::vector<std::string>{"01-fold-batchnorm.dot", "02-fuse-residual.dot",
                                      "03-fuse-epilogue.dot", "04-fuse-depthwise.dot", "05-cse.dot",
                                      "06-fuse-elementwise.dot", "07-dce.dot"}));
  EXPECT_EQ(readAll(d.path("dot/07-dce.dot")).rfind("digraph \"SadFpnUnet\"", 0), 0u);
  // The fusion shows in the dumps: batchnorms before fold-batchnorm's dump, none after.
  EXPECT_EQ(readAll(d.path("dot/01-fold-batchnorm.dot")).find("batchnorm"), std::string::npos);
  EXPECT_TRUE(fs::exists(d.path("u.plan")));
}

TEST(PassesCli, UnknownPassNamesAndPassFlagsWithoutPassesAreErrors) {
  RunResult r = run(compileCmd("models/zero_dce.llie", "--emit ir-opt --stop-after=fold-all"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("error: no pass 'fold-all' in this pipeline; its passes are: "
                          "fold-batchnorm, fuse-residual, fuse-epilogue, fuse-depthwise, cse, "
                          "fuse-elementwise, dce"),
            std::string::npos)
      << r.output;
  r = run(compileCmd("models/zero_dce.llie",
                     "--entry ZeroDCETrain --emit ir-opt --dump-after=backward,nope"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("its passes are: training-mode, backward, rematerialize, "
                          "fuse-batchnorm-activation, optimizer-update, dce"),
            std::string::npos)
      << r.output;
  r = run(compileCmd("models/zero_dce.llie", "--emit ir --dump-after=all"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--emit ir runs no passes"), std::string::npos) << r.output;
  r = run(compileCmd("models/zero_dce.llie", "--emit ir-opt --dump-after=all --dump-format svg"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("give --dump-dir"), std::string::npos) << r.output;
}
