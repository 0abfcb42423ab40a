// HostBackend: what the reference and cpu backends both are. Memory is 64-byte aligned host
// memory, transfers are memcpy, and every node's kernel comes from the backend's Registry.
// Source nodes (input/param/state/constant) are filled by the executor; their "kernel" only
// writes a constant's value. An op with no registered kernel, a non-f32 tensor or a node the
// op's check refuses is an error value naming the backend; nothing falls back elsewhere.
#pragma once
#include "backends/kernel_registry.h"

#include <functional>
#include <unordered_map>

namespace llie {

class HostBackend : public Backend {
public:
  /// `registry` must outlive the backend (backends keep theirs in a function static); `ctx` is
  /// handed to every factory.
  template <class... Ctx>
  HostBackend(const char* name, const kernels::Registry<Ctx...>& registry, Ctx... ctx)
      : name_(name), make_([&registry, ctx...](const Graph& g, const Node& n) {
          return registry.at(n.op).make(g, n, ctx...);
        }) {
    for (size_t i = 0; i < kNumOps; ++i)
      ops_[i] = {registry.entries[i].make != nullptr, registry.entries[i].check};
  }

  const char* name() const override { return name_; }
  bool implements(OpKind op) const override;
  bool supports(const Graph& g, const Node& n) const override;
  Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) override;
  void* allocate(size_t bytes) override;
  void release(void* p) override;
  void copyIn(void* dst, const void* hostSrc, size_t bytes) override;
  void copyOut(void* hostDst, const void* src, size_t bytes) override;
  DeviceMemory memoryUse() const override;

protected:
  /// Where allocations are counted; a backend whose kernels keep working memory counts it in
  /// the same meter, so the peak is of both together.
  virtual MemoryMeter& meter() const { return meter_; }
  /// Working memory the prepared kernels will hold once run (0: none).
  virtual size_t workspaceBytes() const { return 0; }

private:
  struct Op {
    bool registered = false;
    kernels::Check check = nullptr;
  };
  /// Why prepare() would refuse a registered, non-source node ("" when it would not).
  std::string refusal(const Graph& g, const Node& n) const;

  const char* name_;
  std::function<Expected<std::unique_ptr<Kernel>>(const Graph&, const Node&)> make_;
  std::array<Op, kNumOps> ops_{};
  mutable MemoryMeter meter_;
  std::unordered_map<void*, size_t> sizes_; ///< allocate()d bytes by pointer
};

} // namespace llie
