// Opening cuBLAS on first use (cublas_api.h). The symbol names are the macro-expanded ones of
// cublas_v2.h (cublasCreate is cublasCreate_v2), taken from the header so they cannot drift.
#include "backends/cuda/cublas_api.h"
#include "backends/cuda/toolkit_library.h"

#include <mutex>
#include <string>

#define LLIE_CUBLAS_NAME2(x) #x
#define LLIE_CUBLAS_NAME(x) LLIE_CUBLAS_NAME2(x)

namespace llie::cuda {
namespace {

Expected<CublasApi> load() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  LLIE_ASSIGN_OR_RETURN(void* lib, openToolkitLibrary(soname));
  CublasApi api;
  SymbolBinder bind{lib, {}};
  bind(api.create, LLIE_CUBLAS_NAME(cublasCreate));
  bind(api.destroy, LLIE_CUBLAS_NAME(cublasDestroy));
  bind(api.setStream, LLIE_CUBLAS_NAME(cublasSetStream));
  bind(api.setPointerMode, LLIE_CUBLAS_NAME(cublasSetPointerMode));
  bind(api.setMathMode, LLIE_CUBLAS_NAME(cublasSetMathMode));
  bind(api.sgemm, LLIE_CUBLAS_NAME(cublasSgemm));
  bind(api.sgemmStridedBatched, LLIE_CUBLAS_NAME(cublasSgemmStridedBatched));
  bind(api.statusName, LLIE_CUBLAS_NAME(cublasGetStatusName));
  bind(api.statusString, LLIE_CUBLAS_NAME(cublasGetStatusString));
  if (!bind.missing.empty()) return Status::error(soname + " lacks " + bind.missing);
  return api; // the library stays open for the process's life
}

} // namespace

Expected<const CublasApi*> cublasApi() {
  static std::once_flag once;
  static Expected<CublasApi> api = Status::error("cuBLAS not loaded");
  std::call_once(once, [] { api = load(); });
  if (!api) return api.status();
  return &*api;
}

} // namespace llie::cuda
