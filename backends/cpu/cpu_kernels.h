// The cpu backend's kernel registry: one factory per OpKind (with an optional per-node check
// saying why an attribute combination is not handled), filled by one register function per
// kernel family file. Factories build oneDNN primitive descriptors and primitives once, at
// prepare time, for the node's concrete shapes; the returned Kernel's run() only executes.
#pragma once
#include "backends/cpu/dnnl_utils.h"

#include <array>

namespace llie::cpu {

using Factory = Expected<std::unique_ptr<Kernel>> (*)(const Graph& g, const Node& n,
                                                      const CtxPtr& ctx);
/// "" when the node can be prepared, else the reason (appended to the error message).
using Check = std::string (*)(const Graph& g, const Node& n);

struct Entry {
  Factory make = nullptr;
  Check check = nullptr;
};

struct Registry {
  std::array<Entry, kNumOps> entries{};
  void add(OpKind k, Factory f, Check c = nullptr) { entries[static_cast<size_t>(k)] = {f, c}; }
  const Entry& at(OpKind k) const { return entries[static_cast<size_t>(k)]; }
};

// One per kernel family file.
void registerConv2d(Registry& r);       // conv2d.cpp
void registerBatchNorm(Registry& r);    // batchnorm.cpp
void registerEltwise(Registry& r);      // eltwise.cpp: unary elementwise
void registerBinary(Registry& r);       // binary.cpp
void registerPool(Registry& r);         // pool.cpp
void registerResize(Registry& r);       // resize.cpp
void registerReduce(Registry& r);       // reduce.cpp
void registerSoftmax(Registry& r);      // softmax.cpp
void registerConcat(Registry& r);       // concat.cpp
void registerDataMovement(Registry& r); // data_movement.cpp: reshape/permute/slice/pad/expand/stop_grad

std::unique_ptr<Backend> makeCpuBackend();

} // namespace llie::cpu
