// Arena placement (see memory_plan.h): greedy placement in a few orders, the smallest kept.
#include "compiler/passes/memory_plan.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace llie {

namespace {

/// Places requests in `order`, each at the lowest offset where it overlaps no placed buffer
/// that is live at the same time. Returns the arena size; fills `offsets`.
size_t placeInOrder(const std::vector<BufferRequest>& requests, const std::vector<size_t>& sizes,
                    const std::vector<size_t>& order, std::vector<size_t>& offsets) {
  size_t arena = 0;
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;
  for (size_t i : order) {
    const BufferRequest& r = requests[i];
    busy.clear();
    for (size_t j : placed) {
      const BufferRequest& o = requests[j];
      if (o.last < r.first || r.last < o.first) continue;
      busy.push_back({offsets[j], offsets[j] + sizes[j]});
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (auto& [lo, hi] : busy) {
      if (offset + sizes[i] <= lo) break;
      offset = std::max(offset, hi);
    }
    offsets[i] = offset;
    arena = std::max(arena, offset + sizes[i]);
    placed.push_back(i);
  }
  return arena;
}

/// The most of `sizes` live at one step.
size_t peakOf(const std::vector<BufferRequest>& requests, const std::vector<size_t>& sizes) {
  int32_t steps = 0;
  for (const BufferRequest& r : requests)
    steps = std::max(steps, r.last + 1);
  std::vector<size_t> live(static_cast<size_t>(steps) + 1, 0);
  for (size_t i = 0; i < requests.size(); ++i)
    for (int32_t s = requests[i].first; s <= requests[i].last; ++s)
      live[s] += sizes[i];
  return *std::max_element(live.begin(), live.end());
}

} // namespace

MemoryPlan planMemory(const std::vector<BufferRequest>& requests, size_t alignment) {
  MemoryPlan plan;
  size_t n = requests.size();
  std::vector<size_t> sizes(n);
  for (size_t i = 0; i < n; ++i)
    sizes[i] = (std::max<size_t>(requests[i].bytes, 1) + alignment - 1) / alignment * alignment;
  auto span = [&](size_t i) {
    return static_cast<size_t>(requests[i].last - requests[i].first + 1);
  };
  // Largest first is the usual heuristic; longest-lived first, largest area (bytes x steps)
  // first and earliest first (ties: largest) catch the graphs where it is not the best. Each
  // order is a stable sort of the indices, so plans are deterministic.
  using Less = std::function<bool(size_t, size_t)>;
  const std::vector<Less> orders = {
      [&](size_t a, size_t b) { return sizes[a] > sizes[b]; },
      [&](size_t a, size_t b) {
        return span(a) != span(b) ? span(a) > span(b) : sizes[a] > sizes[b];
      },
      [&](size_t a, size_t b) { return sizes[a] * span(a) > sizes[b] * span(b); },
      [&](size_t a, size_t b) {
        return requests[a].first != requests[b].first ? requests[a].first < requests[b].first
                                                      : sizes[a] > sizes[b];
      },
  };
  std::vector<size_t> order(n), offsets(n);
  plan.arenaBytes = SIZE_MAX;
  for (const Less& less : orders) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), less);
    size_t arena = placeInOrder(requests, sizes, order, offsets);
    if (arena < plan.arenaBytes) {
      plan.arenaBytes = arena;
      plan.offsets = offsets;
    }
  }
  if (n == 0) plan.arenaBytes = 0;
  for (size_t i = 0; i < n; ++i)
    plan.naiveBytes += sizes[i];
  plan.lowerBound = peakOf(requests, sizes);
  return plan;
}

size_t peakLiveBytes(const std::vector<BufferRequest>& requests, size_t alignment) {
  std::vector<size_t> sizes(requests.size());
  for (size_t i = 0; i < requests.size(); ++i)
    sizes[i] = (requests[i].bytes + alignment - 1) / alignment * alignment;
  return peakOf(requests, sizes);
}

} // namespace llie
