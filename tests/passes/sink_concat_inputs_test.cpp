// sinkConcatInputs: on a small hand-built specialised graph whose live bytes are worked out by
// hand, the producer of an in-place concat's early input moves next to the concat exactly when
// that lowers the peak; the moved graph computes the same values (run on the reference backend,
// which keeps the order it is given); the flagship written top-down (its FPN skip convs computed
// in the FPN loop) gets the plan of the shipped model, which computes them next to their concats
// by hand and has nothing left to move.
#include "compiler/passes/memory_plan.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/sink_concat_inputs.h"
#include "compiler/passes/specialize.h"
#include "runtime/model.h"
#include "tests/backends/backend_test_util.h"
#include "tests/backends/graph_run.h"
#include "tests/runtime/tmp_dir.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

using namespace llie;

using llie::bt::f32;

namespace {

/// x -> s (read only by the concat, computed first), x -> a -> b -> c, y = concat(c, s): every
/// value 1024 bytes, y 2048. `sOut` also makes s a graph output (a second reader).
Graph earlyConcatInput(bool sOut = false) {
  Graph g;
  g.entry = "M";
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, 4, 8, 8}));     // node 0
  ValueId s = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {x}, f32({1, 4, 8, 8})); // node 1
  ValueId a = g.add(OpKind::Softmax, ReduceAttrs{{2}}, {x}, f32({1, 4, 8, 8})); // node 2
  ValueId b = g.add(OpKind::Softmax, ReduceAttrs{{3}}, {a}, f32({1, 4, 8, 8})); // node 3
  ValueId c = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {b}, f32({1, 4, 8, 8})); // node 4
  ValueId y = g.add(OpKind::Concat, AxisAttrs{1}, {c, s}, f32({1, 8, 8, 8}));   // node 5
  g.outputs.push_back({"y", y});
  if (sOut) g.outputs.push_back({"s", s});
  return g;
}

/// A backend's answer to concatsInPlace for a graph.
using ConcatsInPlace = std::function<std::vector<bool>(const Graph&)>;

/// Every concat stored in place, or none.
ConcatsInPlace allConcats(bool inPlace) {
  return [inPlace](const Graph& g) {
    std::vector<bool> f(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i)
      f[i] = inPlace && g.nodes[i].op == OpKind::Concat;
    return f;
  };
}

/// The most bytes live at one step, the concat's placed inputs (aliases, no bytes of their own)
/// left out.
size_t peak(const Graph& g, const ConcatsInPlace& inPlace) {
  return peakLiveBytes(memoryRequests(g, inPlace(g)).buffers);
}

/// sinkConcatInputs with the flags `inPlace` gives for `g`.
int sink(Graph& g, const ConcatsInPlace& inPlace) {
  std::vector<bool> flags = inPlace(g);
  return sinkConcatInputs(g, flags);
}

} // namespace

TEST(SinkConcatInputs, MovesAnEarlyInputNextToItsInPlaceConcat) {
  Graph g = earlyConcatInput();
  const ConcatsInPlace inPlace = allConcats(true);
  // Before: y's buffer (2048, holding c and s) lives from s's step 1; at step 3 x, y, a and b
  // are live: 1024 + 2048 + 1024 + 1024.
  EXPECT_EQ(peak(g, inPlace), 5120u);
  EXPECT_EQ(sink(g, inPlace), 1);
  // After: x, a, b, c, s, y; y lives from c's step 3, where x, b and y are live.
  EXPECT_EQ(peak(g, inPlace), 4096u);
  ASSERT_EQ(g.nodes.size(), 6u);
  EXPECT_EQ(g.nodes[4].op, OpKind::Softmax);
  EXPECT_EQ(attrsOf<ReduceAttrs>(g.nodes[4]).axes, std::vector<int64_t>{1});
  EXPECT_EQ(g.nodes[4].inputs[0], g.nodes[0].outputs[0]) << "s, read from x, just before y";
  EXPECT_EQ(g.nodes[5].op, OpKind::Concat);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (ValueId v : g.nodes[i].outputs)
      EXPECT_EQ(g.values[v].producer, static_cast<NodeId>(i));
    for (ValueId v : g.nodes[i].inputs)
      EXPECT_LT(g.values[v].producer, static_cast<NodeId>(i));
  }
}

TEST(SinkConcatInputs, MovesNothingThatWouldNotLowerThePeak) {
  // Without concats in place the concat's own step holds every input and y: 5120 either way.
  Graph g = earlyConcatInput();
  EXPECT_EQ(sink(g, allConcats(false)), 0);
  // An input with a second reader (a graph output) stays where it is.
  Graph h = earlyConcatInput(true);
  EXPECT_EQ(sink(h, allConcats(true)), 0);
  EXPECT_EQ(h.nodes[1].op, OpKind::Softmax);
  EXPECT_EQ(h.nodes[1].inputs[0], h.nodes[0].outputs[0]);
}

TEST(SinkConcatInputs, TheMovedGraphComputesTheSameValues) {
  Graph before = earlyConcatInput();
  Graph after = before;
  ASSERT_EQ(sink(after, allConcats(true)), 1);
  HostTensor x({1, 4, 8, 8});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = static_cast<float>((i * 37) % 101) / 17.f - 2.f;
  auto want = llie::testing::runOn("reference", before, {}, {{"x", x}});
  auto got = llie::testing::runOn("reference", after, {}, {{"x", x}});
  ASSERT_TRUE(want.count("y") && got.count("y"));
  ASSERT_EQ(want.at("y").storage.size(), got.at("y").storage.size());
  EXPECT_EQ(std::memcmp(want.at("y").storage.data(), got.at("y").storage.data(),
                        want.at("y").storage.size()),
            0);
}

namespace {

/// The flagship's inference graph at 1x3x256x256 from `path`.
Graph flagshipAt256(const std::string& path) {
  SourceManager sm;
  auto m = compileModel(sm, path, {});
  EXPECT_TRUE(m.ok()) << m.status().message();
  if (!m.ok()) return {};
  auto sg = specializeGraph(m->graph, {{"x", {1, 3, 256, 256}}});
  EXPECT_TRUE(sg.ok()) << sg.status().message();
  return sg.ok() ? *sg : Graph{};
}

/// `text` with `from` replaced by `to` (which must occur).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

} // namespace

TEST(SinkConcatInputs, TheFlagshipWrittenTopDownGetsTheShippedPlan) {
  const std::string shippedPath = std::string(LLIE_SOURCE_DIR) + "/models/sadfpn_unet.llie";
  std::ifstream in(shippedPath);
  std::stringstream text;
  text << in.rdbuf();
  // Top-down: S_i = conv3x3(P_i) computed in the FPN loop, the decoder reading ps[i].
  std::string topDown = replaced(text.str(), "ps = [p] + ps",
                                 "ps = [conv2d(p, c, 3, padding=1, name=\"fpn.smooth.{i}\")] + ps");
  topDown = replaced(topDown, "conv2d(ps[i], c, 3, padding=1, name=\"fpn.smooth.{i}\")", "ps[i]");
  llie::testing::TmpDir d;
  const std::string topDownPath = d.path("sadfpn_topdown.llie");
  std::ofstream(topDownPath) << topDown;

  auto cpu = createBackend("cpu");
  ASSERT_TRUE(cpu.ok());
  const ConcatsInPlace inPlace = [&](const Graph& g) { return (*cpu)->concatsInPlace(g); };
  Graph shipped = flagshipAt256(shippedPath), written = flagshipAt256(topDownPath);
  ASSERT_FALSE(shipped.nodes.empty() || written.nodes.empty());
  ASSERT_EQ(shipped.nodes.size(), written.nodes.size());
  const size_t shippedPeak = peak(shipped, inPlace), writtenPeak = peak(written, inPlace);
  std::printf("[sink-concat-inputs] flagship 256x256 values' peak: shipped %.1f MiB, top-down "
              "%.1f MiB before the step\n",
              shippedPeak / 1048576.0, writtenPeak / 1048576.0);
  EXPECT_EQ(sink(shipped, inPlace), 0) << "the shipped model is already in place";
  EXPECT_GT(writtenPeak, shippedPeak);
  EXPECT_GE(sink(written, inPlace), 4) << "one skip conv per decoder level";
  EXPECT_EQ(peak(written, inPlace), shippedPeak);
}
