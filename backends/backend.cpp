// createBackend: the one place that maps a backend name to an implementation ("reference" is the
// naive test oracle, "cpu" the oneDNN backend; "cuda" is not built yet). Also the aligned host
// allocator the host backends share.
#include "backends/backend.h"

#include "backends/cpu/cpu_kernels.h"
#include "backends/kernel_util.h"
#include "backends/reference/ref_kernels.h"

#include <cstdlib>

namespace llie {

namespace kernels {

void* alignedHostAlloc(size_t bytes) {
  constexpr size_t kAlign = 64;
  size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) rounded = kAlign;
  return std::aligned_alloc(kAlign, rounded);
}

void alignedHostFree(void* p) { std::free(p); }

} // namespace kernels

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name) {
  if (name == "reference") return ref::makeReferenceBackend();
  if (name == "cpu") return cpu::makeCpuBackend();
  if (name == "cuda") return Status::error("llie was built without CUDA");
  return Status::error("unknown backend '" + name + "'; available backends: reference, cpu");
}

} // namespace llie
