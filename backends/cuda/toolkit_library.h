// Opening a CUDA toolkit library at run time (cuBLAS, cuFFT: see cublas_api.h for why they are
// not linked) and binding its functions by name, for the *_api.cpp loaders.
#pragma once
#include "compiler/support/status.h"

#include <dlfcn.h>

#include <string>
#include <type_traits>

namespace llie::cuda {

/// dlopen of `soname` by the loader's search path, else from the toolkit's library folder this
/// build was configured with; kept open for the process's life. An error value says why not.
Expected<void*> openToolkitLibrary(const std::string& soname);

/// Binds the functions of one opened library, collecting the names it lacks.
struct SymbolBinder {
  void* lib;
  std::string missing; ///< comma-separated names not found
  template <class F> void operator()(F& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<F>>(dlsym(lib, name));
    if (!fn) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
};

} // namespace llie::cuda
