// `llie-run ... --profile`: bench prints its JSON line and the profile table (rows at lines of
// zero_dce.llie, a TOTAL row, the summary by op kind) and writes a Chrome trace of its timed runs
// where --trace says; enhance writes the trace into its output folder by default, and its PNG is
// byte-identical to one enhanced without profiling.
#include "runtime/image_io.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

using namespace llie;
using namespace llie::testing;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

size_t nodeEvents(const json& trace) {
  size_t n = 0;
  for (auto& e : trace.at("traceEvents"))
    n += e.value("cat", "") == "node" && e.value("ph", "") == "X";
  return n;
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

} // namespace

TEST(ProfileCli, BenchPrintsTheTableAndWritesTheTrace) {
  TmpDir d;
  const std::string trace = d.path("T.json");
  RunResult r =
      run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") +
          " bench --size 64x64 --iters 2 --warmup 1 --profile --profile-top 5 --trace " + trace);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("\"median_ms\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("profile: 2 runs,"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("   # "), std::string::npos) << r.output;
  for (const char* col : {"total ms", "mean ms", "calls", "read/run", "GFLOP/s", "location"})
    EXPECT_NE(r.output.find(col), std::string::npos) << col << "\n" << r.output;
  EXPECT_NE(r.output.find("TOTAL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("by op kind:"), std::string::npos) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("models/zero_dce\\.llie:[0-9]+:[0-9]+\n")))
      << r.output;
  EXPECT_NE(r.output.find("more nodes"), std::string::npos) << r.output; // cut to 5 rows
  EXPECT_NE(r.output.find("to " + trace), std::string::npos) << r.output;
  json t = json::parse(readFile(trace), nullptr, false);
  ASSERT_FALSE(t.is_discarded()) << "the trace is not JSON";
  // Only the two timed runs, not the warmup: an even, non-zero count of node events.
  const size_t n = nodeEvents(t);
  EXPECT_GT(n, 0u);
  EXPECT_EQ(n % 2, 0u);
  EXPECT_EQ(t["otherData"]["runs"], 2);
}

TEST(ProfileCli, EnhanceWritesTheTraceInTheOutputFolderAndTheSameImage) {
  TmpDir d;
  HostTensor img({1, 3, 20, 28});
  for (int64_t i = 0; i < img.numel(); ++i)
    img.f32()[i] = static_cast<float>((i * 13) % 97) / 97.f;
  ASSERT_TRUE(savePng(d.path("in.png"), img));
  const std::string cmd = tool("llie-run") + " " + repoPath("models/zero_dce.llie") + " enhance " +
                          d.path("in.png") + " -o ";
  RunResult plain = run(cmd + d.path("plain"));
  ASSERT_EQ(plain.code, 0) << plain.output;
  RunResult prof = run(cmd + d.path("prof") + " --profile");
  ASSERT_EQ(prof.code, 0) << prof.output;
  EXPECT_NE(prof.output.find("profile: 1 run,"), std::string::npos) << prof.output;
  EXPECT_EQ(plain.output.find("profile:"), std::string::npos) << plain.output;
  EXPECT_FALSE(fs::exists(d.path("plain/llie-trace.json")));
  json t = json::parse(readFile(d.path("prof/llie-trace.json")), nullptr, false);
  ASSERT_FALSE(t.is_discarded());
  EXPECT_GT(nodeEvents(t), 0u);
  EXPECT_EQ(readFile(d.path("plain/in.png")), readFile(d.path("prof/in.png")));
}

TEST(ProfileCli, InitWeightsRefusesProfile) {
  TmpDir d;
  RunResult r = run(tool("llie-run") + " " + repoPath("models/zero_dce.llie") +
                    " init-weights -o " + d.path("w.safetensors") + " --profile");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--profile applies to"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d.path("w.safetensors")));
}
