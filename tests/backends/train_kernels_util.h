// Helpers shared by the training-kernel tests (train_kernels_test.cpp, optimizer_kernels_test.cpp):
// typed one-node graphs with Bool and scalar tensors, running an op on a backend by name,
// tolerance checks against values computed in double, and naive NumPy broadcasting.
#pragma once
#include "backends/kernel_util.h"
#include "runtime/executor.h"
#include "tests/backends/backend_test_util.h"

#include <cmath>
#include <cstring>
#include <map>
#include <random>

namespace llie::bt {

inline HostTensor scalar(float v) {
  return tensor({}, {v});
}

inline HostTensor boolTensor(const Dims& shape, const std::vector<int>& v) {
  HostTensor t(shape, DType::Bool);
  EXPECT_EQ(static_cast<int64_t>(v.size()), t.numel());
  for (int64_t i = 0; i < t.numel() && i < static_cast<int64_t>(v.size()); ++i)
    t.storage[i] = v[i] ? 1 : 0;
  return t;
}

/// Builds a graph of one Input per host tensor (typed like it) feeding `op`, whose outputs have
/// the types `outs`.
struct Built {
  Graph g;
  NodeId node = -1;
};
inline Built build(OpKind op, Attrs a, const std::vector<HostTensor>& ins,
                   const std::vector<TensorType>& outs) {
  Built b;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < ins.size(); ++i)
    vs.push_back(b.g.add(OpKind::Input, InputAttrs{"in" + std::to_string(i)}, {},
                         typed(ins[i].shape, ins[i].dtype)));
  b.node = b.g.addNode(op, std::move(a), vs, outs);
  return b;
}

/// Prepares `op` on backend `be` and runs it once; returns every output. Output j writes into
/// input alias[j]'s buffer when alias[j] >= 0 (in-place updates).
inline Expected<std::vector<HostTensor>> runOp(const std::string& be, OpKind op, Attrs a,
                                               const std::vector<HostTensor>& ins,
                                               const std::vector<TensorType>& outs,
                                               const std::vector<int>& alias = {}) {
  auto backend = createBackend(be);
  if (!backend.ok()) return backend.takeStatus();
  Backend& B = **backend;
  Built b = build(op, std::move(a), ins, outs);
  auto k = B.prepare(b.g, b.g.nodes[b.node]);
  if (!k.ok()) return k.takeStatus();
  std::vector<Tensor> in, out;
  for (const HostTensor& h : ins) {
    Tensor t{h.dtype, h.shape, B.allocate(h.storage.size())};
    B.copyIn(t.data, h.storage.data(), h.storage.size());
    in.push_back(t);
  }
  for (size_t j = 0; j < outs.size(); ++j) {
    Tensor t{outs[j].dtype, kernels::concrete(outs[j].shape), nullptr};
    bool aliased = j < alias.size() && alias[j] >= 0;
    t.data = aliased ? in[alias[j]].data : B.allocate(t.bytes());
    out.push_back(t);
  }
  std::vector<const Tensor*> ip;
  std::vector<Tensor*> op_;
  for (auto& t : in)
    ip.push_back(&t);
  for (auto& t : out)
    op_.push_back(&t);
  (*k)->run(ip, op_);
  B.synchronize();
  std::vector<HostTensor> r;
  for (size_t j = 0; j < out.size(); ++j) {
    HostTensor h(out[j].shape, out[j].dtype);
    B.copyOut(h.storage.data(), out[j].data, h.storage.size());
    r.push_back(std::move(h));
    if (!(j < alias.size() && alias[j] >= 0)) B.release(out[j].data);
  }
  for (auto& t : in)
    B.release(t.data);
  return r;
}

/// Runs a one-output op and returns its output (failing the test on an error).
inline HostTensor run1(const std::string& be, OpKind op, Attrs a,
                       const std::vector<HostTensor>& ins, const TensorType& out) {
  auto r = runOp(be, op, std::move(a), ins, {out});
  EXPECT_TRUE(r.ok()) << opName(op) << " on " << be << ": " << (r.ok() ? "" : r.status().message());
  if (!r.ok()) return HostTensor(kernels::concrete(out.shape), out.dtype);
  return std::move((*r)[0]);
}

/// |got − want| <= atol + rtol·|want| everywhere, against wanted values in double.
inline ::testing::AssertionResult near(const HostTensor& got, const std::vector<double>& want,
                                       double atol, double rtol) {
  if (got.numel() != static_cast<int64_t>(want.size()))
    return ::testing::AssertionFailure() << "size " << got.numel() << " vs " << want.size();
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = got.f32()[i], w = want[i];
    bool ok = std::isnan(w) ? std::isnan(g) : std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok)
      return ::testing::AssertionFailure()
             << "element " << i << ": got " << g << ", want " << w << " (diff " << g - w << ")";
  }
  return ::testing::AssertionSuccess();
}

// ---- naive NumPy broadcasting for the expected values ---------------------------------------

/// The flat index into a tensor of shape `in` (right-aligned, broadcast) of output element i.
inline int64_t srcIndex(int64_t i, const Dims& out, const Dims& in) {
  int64_t idx = 0, stride = 1;
  for (int64_t d = static_cast<int64_t>(out.size()) - 1, e = static_cast<int64_t>(in.size()) - 1;
       d >= 0; --d, --e) {
    int64_t c = i % out[d];
    i /= out[d];
    if (e >= 0) {
      if (in[e] != 1) idx += c * stride;
      stride *= in[e];
    }
  }
  return idx;
}

inline std::vector<float> uniform(int64_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v)
    x = u(rng);
  return v;
}

} // namespace llie::bt
