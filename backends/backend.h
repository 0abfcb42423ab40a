// The backend interface: the whole contract between the executor and a device. A backend says
// which nodes it supports, allocates device memory, copies to and from the host, and prepares
// a Kernel for a node whose shapes are concrete (descriptors and primitives are built there,
// once, and cached in the Kernel). An unsupported node is an error naming the op and its
// .llie location; there is never a silent fallback to another backend.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace llie {

/// A prepared computation for one node at fixed shapes. run() may be called many times.
class Kernel {
public:
  virtual ~Kernel() = default;
  /// Inputs and outputs are device tensors with the shapes given to prepare().
  virtual void run(const std::vector<const Tensor*>& inputs,
                   const std::vector<Tensor*>& outputs) = 0;
  /// The executor's parameters were (re)set: a kernel that keeps a prepared copy of a weight
  /// (e.g. in a blocked layout) must refresh it before its next run.
  virtual void weightsChanged() {}
  /// Bytes of working memory run() needs (a conv's copies in oneDNN's layout). The executor
  /// plans them into its arena, live during this node's step only, and hands them over with
  /// setWorkspace() before the first run.
  virtual size_t workspaceBytes() const { return 0; }
  virtual void setWorkspace(void* /*p*/) {}
};

/// Device bytes held through a backend: buffers from allocate() and the backend's own working
/// memory (scratch its kernels grow while running), now and at most since creation.
struct MemoryMeter {
  size_t held = 0;
  size_t peak = 0;
  void add(size_t bytes) {
    held += bytes;
    if (held > peak) peak = held;
  }
  void sub(size_t bytes) { held -= bytes; }
};

/// What a backend reports about its memory. `workspace` is the working memory the kernels
/// prepared so far will hold once they have run: it is known after prepare(), before run(), so
/// a plan's peak (arena + workspace) can be predicted without running anything.
struct DeviceMemory {
  size_t held = 0;
  size_t peak = 0;
  size_t workspace = 0;
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  /// Whether the backend has a kernel for this op kind at all (the op-table test asks this).
  virtual bool implements(OpKind op) const = 0;
  /// Whether prepare() can handle this node (op kind, dtypes, attributes).
  virtual bool supports(const Graph& g, const Node& n) const = 0;
  /// Builds the kernel for `n`. The graph is specialised: every shape and Dim attribute is
  /// constant.
  virtual Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) = 0;
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual void copyIn(void* dst, const void* hostSrc, size_t bytes) = 0;
  virtual void copyOut(void* hostDst, const void* src, size_t bytes) = 0;
  virtual void synchronize() {}
  /// Whether the kernels prepared from now on must give bit-identical results run to run
  /// (llie-run train --deterministic). The cuda backend then picks deterministic cuDNN
  /// convolution algorithms only where there is one (by default the fastest, some of which sum
  /// with atomics); the host backends always are.
  virtual void requireDeterminism(bool on) { (void)on; }
  /// Memory accounting (all zero for a backend that does not keep it).
  virtual DeviceMemory memoryUse() const { return {}; }
  /// Activation layout changes (reorders) the kernels prepared so far make on every run: the
  /// cost of the layouts the backend chose, shown by llie-compile --report memory.
  virtual size_t reordersPerRun() const { return 0; }
  /// Per node of the specialised graph `g`: a concat whose inputs the backend stores as runs of
  /// its output's bytes, one after another, so that the memory plan may place them inside the
  /// output and the concat copies nothing (memory_requests.h). Empty: none.
  virtual std::vector<bool> concatsInPlace(const Graph& g) const {
    (void)g;
    return {};
  }
  /// How the backend stores each value of the specialised graph `g`: "" for plain row-major,
  /// else the layout's name ("NHWC", "nChw16c"); empty when everything is plain. The HTML view
  /// shows it.
  virtual std::vector<std::string> valueLayouts(const Graph& g) const {
    (void)g;
    return {};
  }
};

/// Backends by name ("cpu", "reference", "cuda"); an unknown or unbuilt one is an error value.
Expected<std::unique_ptr<Backend>> createBackend(const std::string& name);

} // namespace llie
