// Greedy-by-size arena placement (see memory_plan.h).
#include "compiler/passes/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace llie {

MemoryPlan planMemory(const std::vector<BufferRequest>& requests, size_t alignment) {
  MemoryPlan plan;
  size_t n = requests.size();
  plan.offsets.assign(n, 0);
  auto rounded = [&](size_t b) { return (std::max<size_t>(b, 1) + alignment - 1) / alignment * alignment; };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  std::vector<size_t> placed;
  for (size_t i : order) {
    const BufferRequest& r = requests[i];
    size_t size = rounded(r.bytes);
    // Buffers already placed whose lifetime overlaps this one, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t j : placed) {
      const BufferRequest& o = requests[j];
      if (o.last < r.first || r.last < o.first) continue;
      busy.push_back({plan.offsets[j], plan.offsets[j] + rounded(o.bytes)});
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (auto& [lo, hi] : busy) {
      if (offset + size <= lo) break;
      offset = std::max(offset, hi);
    }
    plan.offsets[i] = offset;
    plan.arenaBytes = std::max(plan.arenaBytes, offset + size);
    placed.push_back(i);
  }
  int32_t steps = 0;
  for (auto& r : requests) steps = std::max(steps, r.last + 1), plan.naiveBytes += rounded(r.bytes);
  std::vector<size_t> live(static_cast<size_t>(steps) + 1, 0);
  for (auto& r : requests)
    for (int32_t s = r.first; s <= r.last; ++s) live[s] += rounded(r.bytes);
  plan.lowerBound = live.empty() ? 0 : *std::max_element(live.begin(), live.end());
  return plan;
}

} // namespace llie
