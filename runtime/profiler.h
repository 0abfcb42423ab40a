// Per-node profiling of executor runs (`llie-run ... --profile`). An Executor given a Profiler
// times every kernel with steady_clock, synchronising the backend before the clock stops (so a
// device backend's asynchronous kernels are timed where they run), and records the node, its
// shapes and the bytes it reads and writes. Nodes are aggregated by their index in the graph, so
// several executors of one model (an image folder of several sizes) share rows. The profiler
// then renders a text table sorted by time (each row with its .llie location), a summary by op
// kind, and a Chrome-trace JSON file that Perfetto (ui.perfetto.dev) and chrome://tracing open.
// Profiling never touches tensor data: results are the same with it on or off.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/source_span.h"
#include "runtime/tensor.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace llie {

/// One graph node's totals over the profiled runs.
struct ProfileRow {
  NodeId node = -1;
  std::string op;       ///< the op's .llie name
  std::string name;     ///< its output's .llie variable, else its parameters' module, else ""
  std::string location; ///< file:line:col of its first span, "<builtin>" when it has none
  int64_t calls = 0;
  double totalMs = 0, meanMs = 0;
  double readBytes = 0, writtenBytes = 0; ///< inputs read / outputs written, per profiled run
  double flops = 0;   ///< over all calls; 0 where not counted (not a conv/matmul)
  std::string shapes; ///< "f32[1,3,64,64], ... -> f32[...]" of the last call
};

/// Time by op kind.
struct ProfileOpSummary {
  std::string op;
  int64_t nodes = 0, calls = 0;
  double totalMs = 0;
};

class Profiler {
public:
  using Clock = std::chrono::steady_clock;
  /// The Chrome trace keeps the first runs, whole, up to `maxTraceEvents` node events (always at
  /// least one run); later runs are still counted in the table.
  explicit Profiler(size_t maxTraceEvents = 1'000'000);

  /// Called by Executor::run() around the kernels of one run, and once per kernel call.
  void beginRun();
  void record(const Graph& g, NodeId node, const std::vector<const Tensor*>& inputs,
              const std::vector<Tensor*>& outputs, Clock::time_point start, Clock::time_point end);
  void endRun();

  int64_t runs() const { return runs_; }
  /// Wall time of the profiled runs (first kernel launch to the final synchronize).
  double wallMs() const { return wallNs_ * 1e-6; }
  /// Sum of the node times.
  double kernelMs() const;
  /// Rows sorted by total time, longest first (ties by node index).
  std::vector<ProfileRow> rows(const SourceManager& sm) const;
  std::vector<ProfileOpSummary> byOpKind() const;
  /// The table (top `top` rows, a TOTAL row) and the summary by op kind.
  std::string report(const SourceManager& sm, size_t top = 25) const;
  /// {"traceEvents": [...]}: one complete ("X") event per kernel call on thread 1 and one per
  /// run on thread 0; ts and dur in microseconds since the profiler was made.
  nlohmann::json chromeTrace(const SourceManager& sm) const;
  /// Writes chromeTrace() to `path` atomically.
  Status writeChromeTrace(const std::string& path, const SourceManager& sm) const;
  /// Runs whose kernels are in the trace (all unless the event limit was reached).
  int64_t tracedRuns() const { return tracedRuns_; }

private:
  /// One set of shapes a node ran with (a node of several executors may have several).
  struct Variant {
    std::vector<std::vector<int64_t>> dims; ///< inputs then outputs
    std::string shapes;
    double readBytes = 0, writtenBytes = 0, flops = 0;
  };
  struct Slot {
    NodeId node = -1;
    OpKind op = OpKind::Constant;
    std::string name;
    std::vector<SourceSpan> spans;
    int64_t calls = 0;
    int64_t ns = 0;
    double readBytes = 0, writtenBytes = 0, flops = 0;
    std::vector<Variant> variants;
    size_t lastVariant = 0;
  };
  struct Event {
    uint32_t slot, variant;
    int64_t startNs, durNs;
  };
  size_t slotFor(const Graph& g, NodeId node);
  size_t variantFor(Slot& s, const Graph& g, const Node& n, const std::vector<const Tensor*>& in,
                    const std::vector<Tensor*>& out);
  int64_t sinceOrigin(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
  }

  Clock::time_point origin_;
  size_t maxEvents_;
  std::map<std::pair<NodeId, OpKind>, size_t> index_;
  std::vector<Slot> slots_;
  std::vector<Event> events_;
  std::vector<std::pair<int64_t, int64_t>> runSpans_; ///< traced runs: start, duration (ns)
  Clock::time_point runStart_;
  int64_t runs_ = 0, tracedRuns_ = 0, wallNs_ = 0;
  size_t eventsLastRun_ = 0, eventsAtRunStart_ = 0;
  bool tracing_ = false;
};

} // namespace llie
