// Opening cuFFT on first use (cufft_api.h), as cublas_api.cpp opens cuBLAS.
#include "backends/cuda/cufft_api.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace llie::cuda {
namespace {

Expected<CufftApi> load() {
  const std::string soname = "libcufft.so." + std::to_string(CUFFT_VER_MAJOR);
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
#ifdef LLIE_CUBLAS_DIR // the toolkit's library folder, which holds cuFFT too
  if (!lib)
    lib = dlopen((std::string(LLIE_CUBLAS_DIR) + "/" + soname).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) return Status::error("cannot open " + soname + ": " + dlerror());
  CufftApi api;
  std::string missing;
  auto bind = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
    if (!fn) missing += std::string(missing.empty() ? "" : ", ") + name;
  };
  bind(api.planMany, "cufftPlanMany");
  bind(api.setStream, "cufftSetStream");
  bind(api.execC2C, "cufftExecC2C");
  bind(api.destroy, "cufftDestroy");
  if (!missing.empty()) return Status::error(soname + " lacks " + missing);
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
