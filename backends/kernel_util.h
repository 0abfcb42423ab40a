// Small helpers shared by the backends' kernel factories: concrete shapes of a specialised node,
// axis normalisation, NumPy broadcasting, contiguous strides, the "not supported" error value,
// and FnKernel (a Kernel whose run() is a lambda prepared once). Nothing here touches a device.
#pragma once
#include "backends/backend.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace llie::kernels {

using Dims = std::vector<int64_t>;

/// The concrete shape of a specialised value type (every Dim constant).
inline Dims concrete(const Shape& s) {
  Dims d;
  d.reserve(s.size());
  for (const Dim& x : s) d.push_back(x.off);
  return d;
}
inline Dims inShape(const Graph& g, const Node& n, size_t i) {
  return concrete(g.type(n.inputs[i]).shape);
}
inline Dims outShape(const Graph& g, const Node& n) { return concrete(g.type(n.outputs[0]).shape); }

/// Whether every input and output of `n` is f32 with a constant shape.
inline bool allF32Const(const Graph& g, const Node& n) {
  for (ValueId v : n.inputs)
    if (g.type(v).dtype != DType::F32 || !shapeIsConst(g.type(v).shape)) return false;
  for (ValueId v : n.outputs)
    if (g.type(v).dtype != DType::F32 || !shapeIsConst(g.type(v).shape)) return false;
  return true;
}

/// Whether every input of `n` has its (first) output's shape.
inline bool inputsHaveOutputShape(const Graph& g, const Node& n) {
  Dims y = outShape(g, n);
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (inShape(g, n, i) != y) return false;
  return true;
}

/// Axis in [-rank, rank) to [0, rank); -1 when out of range.
inline int64_t normAxis(int64_t a, int64_t rank) {
  if (a < 0) a += rank;
  return (a < 0 || a >= rank) ? -1 : a;
}

/// Sorted, de-duplicated, normalised axes; empty `axes` means every axis. Empty result with
/// ok=false when an axis is out of range.
inline Dims normAxes(const std::vector<int64_t>& axes, int64_t rank, bool& ok) {
  ok = true;
  Dims r;
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) r.push_back(i);
    return r;
  }
  for (int64_t a : axes) {
    int64_t x = normAxis(a, rank);
    if (x < 0) {
      ok = false;
      return {};
    }
    r.push_back(x);
  }
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

/// Row-major strides of a contiguous tensor.
inline Dims stridesOf(const Dims& shape) {
  Dims s(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// `shape` with leading 1s up to `rank`.
inline Dims padLeft(const Dims& shape, size_t rank) {
  Dims r(rank - shape.size(), 1);
  r.insert(r.end(), shape.begin(), shape.end());
  return r;
}

/// Strides for reading `in` (already padded to the output's rank) broadcast to `out`:
/// 0 along broadcast axes. Returns false when the shapes are not broadcast-compatible.
inline bool broadcastStrides(const Dims& in, const Dims& out, Dims& strides) {
  if (in.size() != out.size()) return false;
  Dims s = stridesOf(in);
  strides.assign(in.size(), 0);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == out[i]) strides[i] = s[i];
    else if (in[i] == 1) strides[i] = 0;
    else return false;
  }
  return true;
}

/// NumPy broadcast of two shapes; false when incompatible.
inline bool broadcastShapes(const Dims& a, const Dims& b, Dims& out) {
  size_t r = std::max(a.size(), b.size());
  Dims pa = padLeft(a, r), pb = padLeft(b, r);
  out.assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    if (pa[i] == pb[i] || pb[i] == 1) out[i] = pa[i];
    else if (pa[i] == 1) out[i] = pb[i];
    else return false;
  }
  return true;
}

/// "op 'X' is not supported by the B backend[ (detail)]": the executor adds the location.
inline Status unsupported(const Node& n, const char* backend, const std::string& detail = "") {
  std::string msg = std::string("op '") + opName(n.op) + "' is not supported by the " + backend +
                    " backend";
  if (!detail.empty()) msg += " (" + detail + ")";
  return Status::error(std::move(msg), n.span());
}

/// A malformed node (shapes that disagree with the attributes): a bug upstream, reported as a
/// value all the same.
inline Status badNode(const Node& n, const std::string& detail) {
  return Status::error(std::string("malformed '") + opName(n.op) + "' node: " + detail, n.span());
}

/// A kernel whose run() is a closure built by prepare().
class FnKernel : public Kernel {
public:
  using Fn = std::function<void(const std::vector<const Tensor*>&, const std::vector<Tensor*>&)>;
  explicit FnKernel(Fn f) : f_(std::move(f)) {}
  void run(const std::vector<const Tensor*>& inputs, const std::vector<Tensor*>& outputs) override {
    f_(inputs, outputs);
  }

private:
  Fn f_;
};

inline std::unique_ptr<Kernel> makeFnKernel(FnKernel::Fn f) {
  return std::make_unique<FnKernel>(std::move(f));
}

/// A kernel whose run() is a closure that is also handed its workspace: `bytes` of working memory
/// the executor plans into its arena (e.g. the cuda split reductions' partial sums).
class WorkspaceFnKernel : public Kernel {
public:
  using Fn =
      std::function<void(void* ws, const std::vector<const Tensor*>&, const std::vector<Tensor*>&)>;
  WorkspaceFnKernel(size_t bytes, Fn f) : bytes_(bytes), f_(std::move(f)) {}
  size_t workspaceBytes() const override { return bytes_; }
  void setWorkspace(void* p) override { ws_ = p; }
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (bytes_ > 0 && !ws_) throw std::logic_error("kernel run without the workspace it asked for");
    f_(ws_, in, out);
  }

private:
  size_t bytes_;
  Fn f_;
  void* ws_ = nullptr;
};

inline std::unique_ptr<Kernel> makeWorkspaceFnKernel(size_t bytes, WorkspaceFnKernel::Fn f) {
  return std::make_unique<WorkspaceFnKernel>(bytes, std::move(f));
}

/// A kernel with nothing to do (an output with no elements).
inline std::unique_ptr<Kernel> noopKernel() {
  return makeFnKernel([](const auto&, const auto&) {});
}

} // namespace llie::kernels
