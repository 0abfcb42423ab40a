// The kernel registry of a host backend: one factory per OpKind, with an optional per-node check
// saying why an attribute combination is not handled, filled by one register function per
// kernel family file. Ctx... is what the backend hands every factory besides the graph and the
// node (the cpu backend: its oneDNN engine and stream; the reference backend: nothing).
#pragma once
#include "backends/backend.h"

#include <array>
#include <memory>
#include <string>

namespace llie::kernels {

/// Why a supported op kind can't take this particular node ("" when it can); the reason is
/// appended to the "not supported" error.
using Check = std::string (*)(const Graph& g, const Node& n);

/// A factory that needs no backend context (the shared host loops).
using HostFactory = Expected<std::unique_ptr<Kernel>> (*)(const Graph& g, const Node& n);

template <class... Ctx> struct Registry {
  /// Builds the kernel for a node (shapes constant); an error value for attributes it can't do.
  using Factory = Expected<std::unique_ptr<Kernel>> (*)(const Graph& g, const Node& n,
                                                        const Ctx&... ctx);
  struct Entry {
    Factory make = nullptr;
    Check check = nullptr;
  };

  std::array<Entry, kNumOps> entries{};
  void add(OpKind k, Factory f, Check c = nullptr) { entries[static_cast<size_t>(k)] = {f, c}; }
  /// Registers a context-free factory; the context is dropped at the call.
  template <HostFactory F> void addHost(OpKind k, Check c = nullptr) {
    add(k, [](const Graph& g, const Node& n, const Ctx&...) { return F(g, n); }, c);
  }
  const Entry& at(OpKind k) const { return entries[static_cast<size_t>(k)]; }
};

/// The op kinds of the families that register one factory for several ops.
inline constexpr OpKind kUnaryOps[] = {
    OpKind::Neg,  OpKind::Relu, OpKind::Relu6,  OpKind::LeakyRelu, OpKind::Sigmoid,
    OpKind::Tanh, OpKind::Silu, OpKind::Gelu,   OpKind::Exp,       OpKind::Log,
    OpKind::Sqrt, OpKind::Abs,  OpKind::Square, OpKind::PowScalar, OpKind::Clamp};
inline constexpr OpKind kBinaryOps[] = {OpKind::Add, OpKind::Sub,     OpKind::Mul,
                                        OpKind::Div, OpKind::Maximum, OpKind::Minimum};
inline constexpr OpKind kReduceOps[] = {OpKind::ReduceSum, OpKind::ReduceMean, OpKind::ReduceMax,
                                        OpKind::ReduceMin};

} // namespace llie::kernels
