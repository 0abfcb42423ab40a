// The reference backend's kernel registry: one factory per OpKind, filled by one register
// function per kernel family (one .cpp each). Reference kernels are naive loops that accumulate
// in double; they are the test oracle for every other backend, never a fast path.
#pragma once
#include "backends/backend.h"
#include "backends/kernel_util.h"

#include <array>
#include <cmath>
#include <memory>
#include <string>

namespace llie::ref {

using kernels::Dims;

/// Builds the kernel for a node (shapes constant); an error value for attributes it can't do.
using Factory = Expected<std::unique_ptr<Kernel>> (*)(const Graph& g, const Node& n);
/// Why a supported op kind can't take this particular node ("" when it can).
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
void registerEltwise(Registry& r);      // eltwise.cpp: unary elementwise, stop_grad
void registerBinary(Registry& r);       // binary.cpp
void registerPool(Registry& r);         // pool.cpp
void registerResize(Registry& r);       // resize.cpp
void registerReduce(Registry& r);       // reduce.cpp
void registerSoftmax(Registry& r);      // softmax.cpp
void registerConcat(Registry& r);       // concat.cpp
void registerDataMovement(Registry& r); // data_movement.cpp: reshape/permute/slice/pad/expand

std::unique_ptr<Backend> makeReferenceBackend();

/// The activation a conv/matmul epilogue applies, in double.
inline double applyEpilogue(Epilogue e, double alpha, double x) {
  switch (e) {
  case Epilogue::None: return x;
  case Epilogue::Relu: return x > 0 ? x : 0.0;
  case Epilogue::Relu6: return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
  case Epilogue::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
  case Epilogue::Tanh: return std::tanh(x);
  case Epilogue::LeakyRelu: return x >= 0 ? x : alpha * x;
  }
  return x;
}

} // namespace llie::ref
