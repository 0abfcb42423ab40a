// Helpers of the cuda backend's tests: whether a device is present (the GPU cases skip with
// "no CUDA device (...)" otherwise), and the cuda-vs-cpu consistency fixture: a case is one
// node with any number of outputs, run on the cpu and the cuda backends through the public
// Backend interface (workspace included, as the executor hands it over), every output compared
// within 1e-4 absolute plus 1e-4 relative (bt::allClose), Bool and I64 outputs exactly.
#pragma once
#include "tests/backends/backend_test_util.h"

#include <cuda_runtime_api.h>

namespace llie::bt {

/// "" when a CUDA device can be used; otherwise why not.
inline std::string noDeviceReason() {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return cudaGetErrorString(e);
  }
  return count > 0 ? "" : "cudaGetDeviceCount found none";
}

#define LLIE_SKIP_WITHOUT_GPU()                                                                    \
  do {                                                                                             \
    std::string llie_why_ = ::llie::bt::noDeviceReason();                                          \
    if (!llie_why_.empty()) GTEST_SKIP() << "no CUDA device (" << llie_why_ << ")";                \
  } while (0)

/// One node with several outputs: ins are Input nodes, outs the node's output shapes.
struct GpuCase {
  GpuCase(std::string n, OpKind k, Attrs a, std::vector<Dims> i, std::vector<Dims> o)
      : name(std::move(n)), op(k), attrs(std::move(a)), ins(std::move(i)), outs(std::move(o)) {}
  std::string name;
  OpKind op;
  Attrs attrs;
  std::vector<Dims> ins;
  std::vector<Dims> outs;
  float lo = -2.f, hi = 2.f;
  std::vector<std::pair<float, float>> ranges; ///< per-input override of [lo, hi]
  double atol = 1e-4, rtol = 1e-4;
  /// Input 0's random values rounded to integers (many equal values: ties, e.g. for max pooling).
  bool roundInput0 = false;
  /// With n > 0, every n-th element of input 0 (from element n / 2 on) is a NaN.
  int64_t nanEvery = 0;
  /// Per input / output dtype, f32 where not given; a Bool input is random 0/1 bytes and a
  /// Bool or I64 output must agree exactly.
  std::vector<DType> inTypes, outTypes;
  DType inType(size_t i) const { return i < inTypes.size() ? inTypes[i] : DType::F32; }
  DType outType(size_t i) const { return i < outTypes.size() ? outTypes[i] : DType::F32; }
};

inline void PrintTo(const GpuCase& c, std::ostream* os) {
  *os << c.name;
}
inline std::string gpuCaseName(const ::testing::TestParamInfo<GpuCase>& i) {
  return i.param.name;
}

/// Cases of a cpu-vs-reference table (tests/backends/*_case_tables.h) as cuda-vs-cpu cases: the
/// same node and input ranges, its one output; `exact` for the ops that only move data.
inline std::vector<GpuCase> fromCpuCases(const std::vector<Case>& cases, bool exact = false) {
  std::vector<GpuCase> r;
  for (const Case& c : cases) {
    GpuCase g{c.name, c.op, c.attrs, c.ins, {c.out}};
    g.lo = c.lo, g.hi = c.hi, g.ranges = c.ranges;
    if (exact) g.atol = 0, g.rtol = 0;
    r.push_back(std::move(g));
  }
  return r;
}

/// The fixture of the consistency harness (TEST_P in cuda_vs_cpu_test.cpp); cases are
/// instantiated per kernel family. Without a device a case still checks what it can (the cpu
/// side prepares, the cuda backend's checks accept the node), then skips.
class CudaMatchesCpu : public ::testing::TestWithParam<GpuCase> {};

} // namespace llie::bt
