// The memory planner: a pure function from buffer lifetimes to offsets in one arena. Two
// buffers may share bytes only when their lifetimes (closed intervals of step indices) do not
// overlap, so a node's output never aliases one of its inputs. Placement is greedy (each buffer
// at the lowest offset that fits) in a few orders: largest first (the usual heuristic for static
// activation memory), longest-lived first, largest bytes x steps first and earliest first; the
// smallest arena wins.
// The executor plans each specialised graph with it; the report gives the lower bound (most
// bytes live at once), the arena and the naive sum.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llie {

struct BufferRequest {
  size_t bytes = 0;
  int32_t first = 0; ///< step that writes it
  int32_t last = 0;  ///< last step that reads it (>= first)
};

struct MemoryPlan {
  std::vector<size_t> offsets; ///< one per request, multiples of the alignment
  size_t arenaBytes = 0;
  size_t lowerBound = 0; ///< max over steps of the bytes live at that step
  size_t naiveBytes = 0; ///< sum of all requests
};

MemoryPlan planMemory(const std::vector<BufferRequest>& requests, size_t alignment = 64);

/// The most bytes live at one step, each request rounded up to the alignment; empty requests
/// (aliases) count nothing here, where planMemory's lowerBound gives each a slot of its own.
size_t peakLiveBytes(const std::vector<BufferRequest>& requests, size_t alignment = 64);

} // namespace llie
