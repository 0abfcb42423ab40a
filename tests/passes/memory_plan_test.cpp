// The memory planner on synthetic lifetimes: buffers that are live at the same step never
// overlap, buffers that are not share space, and the report's numbers are right.
#include "compiler/passes/memory_plan.h"

#include <gtest/gtest.h>

#include <random>

using namespace llie;

namespace {
void expectNoConflicts(const std::vector<BufferRequest>& rs, const MemoryPlan& p, size_t align) {
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % align, 0u);
    EXPECT_LE(p.offsets[i] + rs[i].bytes, p.arenaBytes);
    for (size_t j = i + 1; j < rs.size(); ++j) {
      bool timeOverlap = !(rs[i].last < rs[j].first || rs[j].last < rs[i].first);
      bool spaceOverlap =
          p.offsets[i] < p.offsets[j] + rs[j].bytes && p.offsets[j] < p.offsets[i] + rs[i].bytes;
      EXPECT_FALSE(timeOverlap && spaceOverlap) << i << " and " << j;
    }
  }
}
} // namespace

TEST(MemoryPlan, AChainReusesTwoBuffers) {
  // a -> b -> c -> d: each value is read by the next step only.
  std::vector<BufferRequest> rs{{1024, 0, 1}, {1024, 1, 2}, {1024, 2, 3}, {1024, 3, 4}};
  MemoryPlan p = planMemory(rs, 64);
  expectNoConflicts(rs, p, 64);
  EXPECT_EQ(p.arenaBytes, 2048u);
  EXPECT_EQ(p.lowerBound, 2048u);
  EXPECT_EQ(p.naiveBytes, 4096u);
  EXPECT_NE(p.offsets[0], p.offsets[1]); // an output never aliases its input
  EXPECT_EQ(p.offsets[0], p.offsets[2]);
}

TEST(MemoryPlan, LongLivedValuesArePinnedApart) {
  std::vector<BufferRequest> rs{{100, 0, 10}, {200, 0, 10}, {50, 3, 4}, {50, 5, 6}};
  MemoryPlan p = planMemory(rs, 64);
  expectNoConflicts(rs, p, 64);
  EXPECT_EQ(p.arenaBytes, 128u + 256u + 64u);
  EXPECT_EQ(p.offsets[2], p.offsets[3]);
}

TEST(MemoryPlan, RandomLifetimesNeverConflictAndStayNearTheLowerBound) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<BufferRequest> rs;
    for (int i = 0; i < 60; ++i) {
      int32_t first = static_cast<int32_t>(rng() % 50);
      int32_t last = first + static_cast<int32_t>(rng() % 8);
      rs.push_back({static_cast<size_t>(64 * (1 + rng() % 32)), first, last});
    }
    MemoryPlan p = planMemory(rs, 64);
    expectNoConflicts(rs, p, 64);
    EXPECT_GE(p.arenaBytes, p.lowerBound);
    EXPECT_LE(p.arenaBytes, p.naiveBytes);
    EXPECT_LE(p.arenaBytes, p.lowerBound * 2);
  }
}
