// createBackend: the one place that maps a backend name to an implementation ("reference" is the
// naive test oracle, "cpu" the oneDNN backend, "cuda" the cuDNN / cuBLAS backend when llie was
// built with it: LLIE_HAVE_CUDA).
#include "backends/backend.h"

#include "backends/cpu/cpu_kernels.h"
#include "backends/reference/ref_kernels.h"
#ifdef LLIE_HAVE_CUDA
#include "backends/cuda/cuda_backend.h"
#endif

namespace llie {

Expected<std::unique_ptr<Backend>> createBackend(const std::string& name) {
  if (name == "reference") return ref::makeReferenceBackend();
  if (name == "cpu") return cpu::makeCpuBackend();
#ifdef LLIE_HAVE_CUDA
  if (name == "cuda") return cuda::makeCudaBackend();
  return Status::error("unknown backend '" + name + "'; available backends: reference, cpu, cuda");
#else
  if (name == "cuda") return Status::error("llie was built without CUDA");
  return Status::error("unknown backend '" + name + "'; available backends: reference, cpu");
#endif
}

} // namespace llie
