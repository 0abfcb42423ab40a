// `llie-compile --emit html`: one self-contained page (nothing fetched from the network, no
// external script or style) with the flagship's drawn graph, a row per node with its .llie
// line and the memory timeline; and the page as a real browser sees it: headless Chromium
// loads it, its script runs (it marks <body> data-ready="1" and the number of drawing nodes it
// linked to table rows) and logs no JavaScript error. Skips when Debian's chromium is absent.
#include "compiler/ir/html_view.h"
#include "runtime/model.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

using namespace llie;
using namespace llie::testing;

namespace {

/// Node ids the page must show: every drawn node of the flagship's compiled graph.
std::vector<NodeId> flagshipNodes() {
  SourceManager sm;
  auto m = compileModel(sm, repoPath("models/sadfpn_unet.llie"), {});
  EXPECT_TRUE(m.ok());
  return m.ok() ? drawnNodes(m->graph) : std::vector<NodeId>{};
}

std::string flagshipPage(const TmpDir& d) {
  std::string path = d.path("unet.html");
  RunResult r = run(tool("llie-compile") + " " + repoPath("models/sadfpn_unet.llie") +
                    " --emit html --input-shape 1,3,128,128 -o " + path);
  EXPECT_EQ(r.code, 0) << r.output;
  return path;
}

bool haveChromium() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

} // namespace

TEST(HtmlView, FlagshipPageIsSelfContainedWithEveryNodeAndTheTimeline) {
  TmpDir d;
  std::string html = readAll(flagshipPage(d));
  auto nodes = flagshipNodes();
  ASSERT_GT(nodes.size(), 50u);
  for (NodeId i : nodes) {
    std::string id = "n" + std::to_string(i);
    EXPECT_NE(html.find("id=\"row-" + id + "\""), std::string::npos) << id;
    EXPECT_NE(html.find("<title>" + id + "</title>"), std::string::npos) << id << " not drawn";
  }
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  // Shapes are the specialised ones; source lines are quoted; the timeline is there.
  EXPECT_NE(html.find("f32[1, 3, 128, 128]"), std::string::npos);
  EXPECT_NE(html.find("sadfpn_unet.llie:"), std::string::npos);
  EXPECT_NE(html.find("Memory timeline (input 1,3,128,128)"), std::string::npos);
  // The cpu backend's layouts: nChw16c between the convs, from the first conv, which reads the
  // plain image, to the head conv, which writes the plain output.
  EXPECT_NE(html.find("<td>nChw16c</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>plain &rarr; nChw16c</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>nChw16c &rarr; plain</td>"), std::string::npos);
  EXPECT_EQ(html.find("<td>NHWC</td>"), std::string::npos);
  EXPECT_GT(std::count(html.begin(), html.end(), '\n'), 200);
}

TEST(HtmlViewChromium, FlagshipPageLoadsRunsItsScriptAndShowsEveryNode) {
  if (!haveChromium())
    GTEST_SKIP() << "Debian's chromium is not installed (scripts/setup.sh installs it)";
  TmpDir d;
  std::string page = flagshipPage(d);
  RunResult r =
      run("chromium --headless --no-sandbox --disable-gpu --user-data-dir=" + d.path("profile") +
          " --enable-logging=stderr --v=0 --dump-dom file://" + page);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string& dom = r.output;
  auto nodes = flagshipNodes();
  ASSERT_GT(nodes.size(), 50u);
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not run";
  EXPECT_NE(dom.find("data-linked=\"" + std::to_string(nodes.size()) + "\""), std::string::npos)
      << "the script did not link every drawn node to its row";
  for (NodeId i : nodes) {
    std::string id = "n" + std::to_string(i);
    EXPECT_NE(dom.find("id=\"row-" + id + "\""), std::string::npos) << id;
    EXPECT_NE(dom.find("class=\"node\" data-node=\"" + id + "\""), std::string::npos) << id;
  }
  // Chromium logs console errors and uncaught exceptions as CONSOLE lines on stderr.
  EXPECT_EQ(dom.find("Uncaught"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_FALSE(std::regex_search(dom, std::regex("CONSOLE\\([0-9]+\\)\\].*[Ee]rror")));
}
