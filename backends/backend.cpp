// createBackend: the one place that maps a backend name to an implementation ("reference" is the
// naive test oracle, "cpu" the oneDNN backend; "cuda" is not built yet).
#include "backends/backend.h"

#include "backends/cpu/cpu_kernels.h"
#include "backends/reference/ref_kernels.h"

namespace llie {

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name) {
  if (name == "reference") return ref::makeReferenceBackend();
  if (name == "cpu") return cpu::makeCpuBackend();
  if (name == "cuda") return Status::error("llie was built without CUDA");
  return Status::error("unknown backend '" + name + "'; available backends: reference, cpu");
}

} // namespace llie
