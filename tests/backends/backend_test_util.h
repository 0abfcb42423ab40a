// Test helpers for the backends: one-node graphs built by hand, seeded random inputs, running a
// node on a backend through the public Backend interface (allocate, copyIn, prepare, run,
// copyOut), tolerance comparison, and the table-driven "cpu matches reference" fixture whose
// cases are instantiated per kernel family in the *_cases_test.cpp files.
#pragma once
#include "backends/backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace llie::bt {

using Dims = std::vector<int64_t>;

inline TensorType typed(const Dims& d, DType dtype) {
  TensorType t;
  t.dtype = dtype;
  for (int64_t x : d)
    t.shape.push_back(Dim::constant(x));
  return t;
}
inline TensorType f32(const Dims& d) {
  return typed(d, DType::F32);
}

/// A graph of `ins.size()` Input nodes feeding one `op` node with output shape `out`.
struct OneNode {
  Graph g;
  NodeId node = -1;
  const Node& n() const { return g.nodes[node]; }
};

inline OneNode oneNode(OpKind op, Attrs attrs, const std::vector<Dims>& ins, const Dims& out) {
  OneNode o;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < ins.size(); ++i)
    vs.push_back(o.g.add(OpKind::Input, InputAttrs{"in" + std::to_string(i)}, {}, f32(ins[i])));
  ValueId y = o.g.add(op, std::move(attrs), vs, f32(out));
  o.node = o.g.value(y).producer;
  return o;
}

inline HostTensor tensor(const Dims& shape, std::vector<float> v) {
  HostTensor t(shape);
  EXPECT_EQ(static_cast<int64_t>(v.size()), t.numel()) << "test data size";
  for (int64_t i = 0; i < t.numel() && i < static_cast<int64_t>(v.size()); ++i)
    t.f32()[i] = v[i];
  return t;
}

inline HostTensor randomTensor(const Dims& shape, std::mt19937& rng, float lo, float hi) {
  HostTensor t(shape);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = u(rng);
  return t;
}

/// Device buffers for a node's inputs and outputs on one backend, freed on destruction.
struct Buffers {
  Backend& be;
  std::vector<Tensor> ins, outs;
  explicit Buffers(Backend& b) : be(b) {}
  ~Buffers() {
    for (auto& t : ins)
      be.release(t.data);
    for (auto& t : outs)
      be.release(t.data);
  }
  std::vector<const Tensor*> inPtrs() const {
    std::vector<const Tensor*> r;
    for (auto& t : ins)
      r.push_back(&t);
    return r;
  }
  std::vector<Tensor*> outPtrs() {
    std::vector<Tensor*> r;
    for (auto& t : outs)
      r.push_back(&t);
    return r;
  }
};

inline void upload(Buffers& b, const Graph& g, const Node& n, const std::vector<HostTensor>& in) {
  for (size_t i = 0; i < in.size(); ++i) {
    Tensor t{DType::F32, in[i].shape, b.be.allocate(in[i].storage.size())};
    b.be.copyIn(t.data, in[i].storage.data(), in[i].storage.size());
    b.ins.push_back(t);
  }
  for (ValueId v : n.outputs) {
    Dims s;
    for (auto& d : g.type(v).shape)
      s.push_back(d.off);
    Tensor t{DType::F32, s, nullptr};
    t.data = b.be.allocate(t.bytes());
    b.outs.push_back(t);
  }
}

inline HostTensor download(Backend& be, const Tensor& t) {
  HostTensor h(t.shape);
  be.copyOut(h.storage.data(), t.data, h.storage.size());
  return h;
}

/// Prepares node `id` on `be`, runs it once on `in`, returns its first output.
inline Expected<HostTensor> runNode(Backend& be, const Graph& g, NodeId id,
                                    const std::vector<HostTensor>& in) {
  const Node& n = g.nodes[id];
  auto k = be.prepare(g, n);
  if (!k.ok()) return k.takeStatus();
  Buffers b(be);
  upload(b, g, n, in);
  (*k)->run(b.inPtrs(), b.outPtrs());
  be.synchronize();
  return download(be, b.outs[0]);
}

/// |got - want| <= atol + rtol·|want| everywhere; reports the worst element.
inline ::testing::AssertionResult allClose(const HostTensor& got, const HostTensor& want,
                                           double atol = 1e-4, double rtol = 1e-4) {
  if (got.shape != want.shape) return ::testing::AssertionFailure() << "shape mismatch";
  double worst = 0, worstExcess = 0;
  int64_t at = -1;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = got.f32()[i], w = want.f32()[i];
    double err = std::fabs(g - w);
    if (std::isnan(g) != std::isnan(w)) err = INFINITY;
    if (std::isnan(g) && std::isnan(w)) err = 0;
    double excess = err - (atol + rtol * std::fabs(w));
    worst = std::max(worst, err);
    if (excess > 0 && (at < 0 || excess > worstExcess)) worstExcess = excess, at = i;
  }
  if (at < 0) return ::testing::AssertionSuccess() << "max abs err " << worst;
  return ::testing::AssertionFailure()
         << "element " << at << ": got " << got.f32()[at] << ", want " << want.f32()[at]
         << " (max abs err " << worst << ", " << got.numel() << " elements)";
}

/// One row of the cpu-vs-reference table.
struct Case {
  Case(std::string n, OpKind k, Attrs a, std::vector<Dims> i, Dims o)
      : name(std::move(n)), op(k), attrs(std::move(a)), ins(std::move(i)), out(std::move(o)) {}
  std::string name;
  OpKind op;
  Attrs attrs;
  std::vector<Dims> ins;
  Dims out;
  float lo = -2.f, hi = 2.f;
  std::vector<std::pair<float, float>> ranges; ///< per-input override of [lo, hi]
};

inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

inline std::string caseName(const ::testing::TestParamInfo<Case>& i) {
  return i.param.name;
}

/// TEST_P(CpuMatchesReference, ...) lives in cpu_vs_ref_test.cpp.
class CpuMatchesReference : public ::testing::TestWithParam<Case> {};

// Output sizes, PyTorch's formulas.
inline int64_t convOut(int64_t in, int64_t k, int64_t s, int64_t padA, int64_t padB,
                       int64_t dil = 1) {
  return (in + padA + padB - dil * (k - 1) - 1) / s + 1;
}
inline int64_t poolOut(int64_t in, int64_t k, int64_t s, int64_t padA, int64_t padB, bool ceil) {
  int64_t span = in + padA + padB - k;
  int64_t o = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (o - 1) * s >= in + padA) --o;
  return o;
}

} // namespace llie::bt
