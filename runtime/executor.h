// The executor: runs a specialised graph (every shape constant) on one backend. At creation it
// asks the backend to prepare a kernel for every compute node (primitives are built there, once)
// and allocates a device buffer per value; run() copies inputs in, calls the kernels in graph
// order and leaves outputs on the device until read. All values live in one device arena laid
// out by the memory planner from their lifetimes. In an inference graph, nodes that depend only
// on parameters, constants and unwritten state (weightOnlyNodes: folded conv weights, ...) run
// once, at the end of setWeights(), and their results stay like parameters. A kernel that
// throws while running (a device error, say) makes run() / setWeights() return an error naming
// the op and its .llie span instead of letting the exception escape.
#pragma once
#include "backends/backend.h"
#include "backends/device_timer.h"
#include "compiler/passes/memory_plan.h"

#include <map>
#include <memory>
#include <string>

namespace llie {

class Profiler;

class Executor {
public:
  /// Fails, naming the op and its .llie span, when the backend cannot run some node.
  static Expected<std::unique_ptr<Executor>> create(Graph specialized, Backend& backend);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Copies parameters and state (by name) to the device, then runs the weight-only nodes.
  /// Every param/state must be given.
  Status setWeights(const std::map<std::string, HostTensor>& weights);
  Status setInput(const std::string& name, const HostTensor& value);
  bool hasInput(const std::string& name) const;
  /// Copies every parameter and state tensor (updated by a training step) back to the host.
  std::map<std::string, HostTensor> readWeights() const;
  /// Runs every node. Fails, naming the op and its .llie span, when a kernel throws (for
  /// example a CUDA launch or device error); an error the backend reports only when it waits for
  /// its queued work at the end names no op. The values are then unspecified.
  Status run();
  /// While set (non-null), run() times every kernel into `p`; results are unchanged. With a
  /// backend that has a DeviceTimer (cuda) the node times are the device's, between marks queued
  /// after each node, with no wait in between; otherwise host clocks around each kernel, the
  /// backend synchronised after each. The profiler must outlive its use here.
  void setProfiler(Profiler* p);
  /// Copies a graph output back to the host.
  Expected<HostTensor> output(const std::string& name) const;
  const Graph& graph() const { return g_; }
  /// Bytes of device memory held for values (parameters included).
  size_t deviceBytes() const { return bytes_; }
  const MemoryPlan& memoryPlan() const { return plan_; }

private:
  Executor(Graph g, Backend& b) : g_(std::move(g)), backend_(b) {}
  Graph g_;
  Backend& backend_;
  std::vector<Tensor> values_; ///< device views into the arena, one per value
  MemoryPlan plan_;
  uint8_t* arena_ = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels_; ///< per node (null for sources, weight-only)
  /// Weight-only nodes in graph order, with their kernels: run by runWeightOnly().
  std::vector<std::pair<NodeId, std::unique_ptr<Kernel>>> weightKernels_;
  bool weightOnlyDone_ = false;
  /// The device tensors of n's inputs and outputs (the vectors are reused across nodes).
  void bindArgs(const Node& n, std::vector<const Tensor*>& ins, std::vector<Tensor*>& outs);
  Status runWeightOnly();
  /// Runs node i's kernel; an exception from it becomes an error naming the op and its span.
  Status runKernel(NodeId i, Kernel& k, std::vector<const Tensor*>& ins,
                   std::vector<Tensor*>& outs);
  /// backend_.synchronize(); an exception from it becomes an error (`when`: what was waited on).
  Status synchronizeBackend(const char* when);
  /// run()'s loop with a profiler: host-timed, or device-timed with timer_.
  Status runProfiled(std::vector<const Tensor*>& ins, std::vector<Tensor*>& outs);
  Status runDeviceTimed(std::vector<const Tensor*>& ins, std::vector<Tensor*>& outs);
  size_t bytes_ = 0;
  Profiler* profiler_ = nullptr;
  std::unique_ptr<DeviceTimer> timer_; ///< the backend's, made with the first profiler
};

} // namespace llie
