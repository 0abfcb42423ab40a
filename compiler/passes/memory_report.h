// The memory report of a specialised graph: the planner's figures (lower bound = most bytes
// live at one step, planned arena, naive sum), how the bytes split between what is pinned
// (inputs, parameters, state, constants) and activations, and the values live at the peak step
// with their producing op, .llie line and lifetime. Pure: it reads the requests and the plan the
// executor uses, so it predicts the arena before anything runs.
#pragma once
#include "compiler/passes/memory_requests.h"
#include "compiler/support/source_span.h"

#include <string>

namespace llie {

struct MemorySummary {
  size_t lowerBound = 0, arenaBytes = 0, naiveBytes = 0;
  size_t inputBytes = 0;      ///< graph inputs
  size_t weightBytes = 0;     ///< parameters, state and constants
  size_t activationBytes = 0; ///< every other value (the naive sum of them)
  size_t values = 0;          ///< values with bytes of their own
  int32_t steps = 0;
};

MemorySummary summarizeMemory(const Graph& g, const MemoryRequests& r, const MemoryPlan& p);

/// How a value is called in dumps: its .llie variable, else "op#node" of its producer.
std::string valueLabel(const Graph& g, ValueId v);

/// The report as text, with the activations live at the peak step (the `topN` largest).
std::string formatMemoryReport(const Graph& g, const MemoryRequests& r, const MemoryPlan& p,
                               const SourceManager* sm, size_t topN = 10);

/// "1.43 GiB", "12.30 MiB", "1.5 KiB", "12 B": the byte counts of reports and profiles.
std::string formatBytes(double bytes);

} // namespace llie
