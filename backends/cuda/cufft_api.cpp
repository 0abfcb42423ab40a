// Opening cuFFT on first use (cufft_api.h), as cublas_api.cpp opens cuBLAS.
#include "backends/cuda/cufft_api.h"
#include "backends/cuda/toolkit_library.h"

#include <mutex>
#include <string>

namespace llie::cuda {
namespace {

Expected<CufftApi> load() {
  const std::string soname = "libcufft.so." + std::to_string(CUFFT_VER_MAJOR);
  LLIE_ASSIGN_OR_RETURN(void* lib, openToolkitLibrary(soname));
  CufftApi api;
  SymbolBinder bind{lib, {}};
  bind(api.planMany, "cufftPlanMany");
  bind(api.setStream, "cufftSetStream");
  bind(api.execC2C, "cufftExecC2C");
  bind(api.destroy, "cufftDestroy");
  if (!bind.missing.empty()) return Status::error(soname + " lacks " + bind.missing);
  return api; // the library stays open for the process's life
}

} // namespace

Expected<const CufftApi*> cufftApi() {
  static std::once_flag once;
  static Expected<CufftApi> api = Status::error("cuFFT not loaded");
  std::call_once(once, [] { api = load(); });
  if (!api) return api.status();
  return &*api;
}

const char* cufftResultName(cufftResult r) {
  switch (r) {
  case CUFFT_SUCCESS:
    return "CUFFT_SUCCESS";
  case CUFFT_INVALID_PLAN:
    return "CUFFT_INVALID_PLAN";
  case CUFFT_ALLOC_FAILED:
    return "CUFFT_ALLOC_FAILED";
  case CUFFT_INVALID_TYPE:
    return "CUFFT_INVALID_TYPE";
  case CUFFT_INVALID_VALUE:
    return "CUFFT_INVALID_VALUE";
  case CUFFT_INTERNAL_ERROR:
    return "CUFFT_INTERNAL_ERROR";
  case CUFFT_EXEC_FAILED:
    return "CUFFT_EXEC_FAILED";
  case CUFFT_SETUP_FAILED:
    return "CUFFT_SETUP_FAILED";
  case CUFFT_INVALID_SIZE:
    return "CUFFT_INVALID_SIZE";
  case CUFFT_UNALIGNED_DATA:
    return "CUFFT_UNALIGNED_DATA";
  default:
    return "cuFFT error";
  }
}

} // namespace llie::cuda
