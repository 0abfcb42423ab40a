// memoryRequests: the lifetimes the executor plans from (sources pinned, outputs kept to the
// end, an assign's output aliasing its state) and the report's split of the bytes, on a small
// hand-built specialised graph whose numbers are worked out by hand.
#include "compiler/passes/memory_report.h"
#include "compiler/passes/memory_requests.h"

#include <gtest/gtest.h>

using namespace llie;

namespace {

TensorType f32(std::vector<int64_t> dims) {
  TensorType t;
  t.dtype = DType::F32;
  for (int64_t d : dims)
    t.shape.push_back(Dim::constant(d));
  return t;
}

} // namespace

TEST(MemoryRequests, SourcesPinnedChainsShortOutputsToTheEnd) {
  Graph g;
  g.entry = "M";
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, 4, 8, 8})); // node 0
  ValueId w = g.add(OpKind::Param, ParamAttrs{"w"}, {}, f32({4}));          // node 1
  ValueId a = g.add(OpKind::Relu, NoAttrs{}, {x}, f32({1, 4, 8, 8}));       // node 2
  ValueId b = g.add(OpKind::Sigmoid, NoAttrs{}, {a}, f32({1, 4, 8, 8}));    // node 3
  ValueId c = g.add(OpKind::Relu, NoAttrs{}, {b}, f32({1, 4, 8, 8}));       // node 4
  g.outputs.push_back({"y", c});
  (void)w;
  MemoryRequests r = memoryRequests(g);
  const int32_t end = 5;
  ASSERT_EQ(r.buffers.size(), 5u);
  EXPECT_EQ(r.buffers[x].bytes, 1024u);
  EXPECT_EQ(r.buffers[x].first, 0);
  EXPECT_EQ(r.buffers[x].last, end);
  EXPECT_TRUE(r.pinned[x] && r.pinned[w]);
  EXPECT_EQ(r.buffers[w].bytes, 16u);
  EXPECT_EQ(r.buffers[a].first, 2);
  EXPECT_EQ(r.buffers[a].last, 3);
  EXPECT_EQ(r.buffers[b].first, 3);
  EXPECT_EQ(r.buffers[b].last, 4);
  EXPECT_EQ(r.buffers[c].first, 4);
  EXPECT_EQ(r.buffers[c].last, end);
  EXPECT_FALSE(r.pinned[a]);
  for (ValueId v : {x, w, a, b, c})
    EXPECT_EQ(r.aliasOf[v], kNoValue);

  MemoryPlan p = planMemory(r.buffers, 64);
  // Step 3 holds x, w (64 after rounding), a and b: 3 * 1024 + 64.
  EXPECT_EQ(p.lowerBound, 3u * 1024u + 64u);
  MemorySummary s = summarizeMemory(g, r, p);
  EXPECT_EQ(s.inputBytes, 1024u);
  EXPECT_EQ(s.weightBytes, 16u);
  EXPECT_EQ(s.activationBytes, 3u * 1024u);
  std::string text = formatMemoryReport(g, r, p, nullptr, 2);
  EXPECT_NE(text.find("lower bound     3.1 KiB"), std::string::npos) << text;
  // The two largest (equal sizes: in value order) are listed, not the third.
  EXPECT_NE(text.find("relu#2"), std::string::npos) << text;
  EXPECT_EQ(text.find("sigmoid#3"), std::string::npos) << text;
}

TEST(MemoryRequests, AnAssignSharesItsStateBytes) {
  Graph g;
  ValueId s = g.add(OpKind::State, ParamAttrs{"s"}, {}, f32({8}));
  ValueId t = g.add(OpKind::Relu, NoAttrs{}, {s}, f32({8}));
  ValueId u = g.add(OpKind::Assign, NoAttrs{}, {s, t}, f32({8}));
  g.outputs.push_back({"u", u});
  MemoryRequests r = memoryRequests(g);
  EXPECT_EQ(r.aliasOf[u], s);
  EXPECT_EQ(r.buffers[u].bytes, 0u);
  EXPECT_EQ(r.buffers[s].bytes, 32u);
  EXPECT_EQ(r.buffers[t].first, 1);
  EXPECT_EQ(r.buffers[t].last, 2);
}
