// memoryRequests: the lifetimes the executor plans from (sources pinned, outputs kept to the
// end, an assign's output aliasing its state, in-place ops, concats holding their inputs) and the
// report's split of the bytes, on small hand-built specialised graphs whose numbers are worked
// out by hand.
#include "compiler/passes/memory_report.h"
#include "compiler/passes/memory_requests.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

using namespace llie;

using llie::bt::f32;

TEST(MemoryRequests, SourcesPinnedChainsShortOutputsToTheEnd) {
  Graph g;
  g.entry = "M";
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, 4, 8, 8})); // node 0
  ValueId w = g.add(OpKind::Param, ParamAttrs{"w"}, {}, f32({4}));          // node 1
  ValueId a = g.add(OpKind::Relu, NoAttrs{}, {x}, f32({1, 4, 8, 8}));       // node 2
  // softmax does not work in place, so each value has its own buffer.
  ValueId b = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {a}, f32({1, 4, 8, 8})); // node 3
  ValueId c = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {b}, f32({1, 4, 8, 8})); // node 4
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
  std::string text = formatMemoryReport(g, r, p, nullptr, 1);
  EXPECT_NE(text.find("lower bound     3.1 KiB"), std::string::npos) << text;
  // The peak is step 3 (a and b live); with topN 1 the first of the two equal sizes is listed.
  EXPECT_NE(text.find("live at the peak, step 3 (softmax): 2 activations, 2.0 KiB, the largest:"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("relu#2"), std::string::npos) << text;
  EXPECT_EQ(text.find("softmax#3"), std::string::npos) << text;
  EXPECT_EQ(text.find("softmax#4"), std::string::npos) << text;
}

TEST(MemoryRequests, InPlaceOpsTakeOverTheBufferOfAnInputReadForTheLastTime) {
  Graph g;
  g.entry = "M";
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, 4, 8, 8}));     // node 0
  ValueId a = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {x}, f32({1, 4, 8, 8})); // node 1
  ValueId b = g.add(OpKind::Relu, NoAttrs{}, {a}, f32({1, 4, 8, 8}));           // node 2: a's last
  ValueId c = g.add(OpKind::Sigmoid, NoAttrs{}, {b}, f32({1, 4, 8, 8}));        // node 3: b read on
  ValueId d = g.add(OpKind::Add, NoAttrs{}, {c, b}, f32({1, 4, 8, 8}));         // node 4: c's last
  ValueId e = g.add(OpKind::Sigmoid, NoAttrs{}, {x}, f32({1, 4, 8, 8}));        // node 5: x pinned
  ValueId s = g.add(OpKind::ReduceSum, ReduceAttrs{{1}, true}, {d}, f32({1, 1, 8, 8})); // node 6
  g.outputs.push_back({"y", d});
  g.outputs.push_back({"e", e});
  g.outputs.push_back({"s", s});
  MemoryRequests r = memoryRequests(g);
  const int32_t end = 7;
  // b writes a's buffer (a owns the bytes until b's last read); c can't write b's (node 4 still
  // reads b); d writes c's, so c owns its bytes to the end (d is an output).
  EXPECT_EQ(r.aliasOf[b], a);
  EXPECT_EQ(r.aliasOf[c], kNoValue);
  EXPECT_EQ(r.aliasOf[d], c);
  EXPECT_EQ(r.buffers[b].bytes, 0u);
  EXPECT_EQ(r.buffers[d].bytes, 0u);
  EXPECT_EQ(r.buffers[a].first, 1);
  EXPECT_EQ(r.buffers[a].last, 4); // b's last read
  EXPECT_EQ(r.buffers[c].first, 3);
  EXPECT_EQ(r.buffers[c].last, end);
  // A pinned input is never overwritten; a smaller output does not take a buffer over.
  EXPECT_EQ(r.aliasOf[e], kNoValue);
  EXPECT_EQ(r.aliasOf[s], kNoValue);
  EXPECT_EQ(r.buffers[e].bytes, 1024u);
  // The plan still keeps every live value apart: a's group and c overlap at steps 3 and 4.
  MemoryPlan p = planMemory(r.buffers, 64);
  EXPECT_NE(p.offsets[a], p.offsets[c]);
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

TEST(MemoryRequests, AConcatInPlaceHoldsItsInputsAtTheirOffsets) {
  Graph g;
  g.entry = "M";
  const AxisAttrs channels{1};
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, 4, 8, 8}));     // node 0
  ValueId a = g.add(OpKind::Softmax, ReduceAttrs{{1}}, {x}, f32({1, 4, 8, 8})); // node 1
  ValueId b = g.add(OpKind::Softmax, ReduceAttrs{{2}}, {x}, f32({1, 4, 8, 8})); // node 2
  ValueId k = g.add(OpKind::Concat, channels, {a, x, b}, f32({1, 12, 8, 8}));   // node 3
  ValueId e = g.add(OpKind::Softmax, ReduceAttrs{{3}}, {x}, f32({1, 4, 8, 8})); // node 4
  ValueId m = g.add(OpKind::Concat, channels, {k, e}, f32({1, 16, 8, 8}));      // node 5
  ValueId s = g.add(OpKind::Sigmoid, NoAttrs{}, {b}, f32({1, 4, 8, 8}));        // node 6
  g.outputs.push_back({"m", m});
  g.outputs.push_back({"s", s});
  const int32_t end = 7;

  // Without the backend's word every value has bytes of its own but s, which takes over b's.
  MemoryRequests plain = memoryRequests(g);
  for (ValueId v : {a, b, k, e, m})
    EXPECT_EQ(plain.aliasOf[v], kNoValue);
  EXPECT_EQ(plain.aliasOf[s], b);

  const std::vector<bool> inPlace{false, false, false, true, false, true, false};
  MemoryRequests r = memoryRequests(g, inPlace);
  // k sits at the start of m, so k's inputs a and b move into m with it; x is pinned (the concat
  // copies it) but still takes its 1 KiB of k; e follows k.
  EXPECT_EQ(r.aliasOf[x], kNoValue);
  EXPECT_EQ(r.aliasOf[k], m);
  EXPECT_EQ(r.aliasOffset[k], 0u);
  EXPECT_EQ(r.aliasOf[a], m);
  EXPECT_EQ(r.aliasOffset[a], 0u);
  EXPECT_EQ(r.aliasOf[b], m);
  EXPECT_EQ(r.aliasOffset[b], 2048u);
  EXPECT_EQ(r.aliasOf[e], m);
  EXPECT_EQ(r.aliasOffset[e], 3072u);
  for (ValueId v : {a, b, k, e})
    EXPECT_EQ(r.buffers[v].bytes, 0u);
  // m's bytes live from a's step to the end (an output), and s may not overwrite b inside them.
  EXPECT_EQ(r.buffers[m].bytes, 4096u);
  EXPECT_EQ(r.buffers[m].first, 1);
  EXPECT_EQ(r.buffers[m].last, end);
  EXPECT_EQ(r.aliasOf[s], kNoValue);
  // One 4 KiB buffer instead of a, b, k, e and m apart.
  MemoryPlan p = planMemory(r.buffers, 64);
  MemoryPlan q = planMemory(plain.buffers, 64);
  EXPECT_LT(p.arenaBytes, q.arenaBytes);
}
