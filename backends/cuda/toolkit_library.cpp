// openToolkitLibrary (toolkit_library.h).
#include "backends/cuda/toolkit_library.h"

namespace llie::cuda {

Expected<void*> openToolkitLibrary(const std::string& soname) {
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
#ifdef LLIE_CUBLAS_DIR // the toolkit's library folder (cuBLAS and cuFFT alike)
  if (!lib)
    lib = dlopen((std::string(LLIE_CUBLAS_DIR) + "/" + soname).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) return Status::error("cannot open " + soname + ": " + dlerror());
  return lib;
}

} // namespace llie::cuda
