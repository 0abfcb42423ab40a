// cuBLAS, opened when the cuda backend first needs it rather than linked: linking it maps
// cuBLASLt's relocated tables (about 210 MB of resident memory) into every llie process at
// start-up, GPU or not, and a cpu run's peak RSS would carry them. The table holds the few
// functions the backend calls, typed from cuBLAS's own header.
#pragma once
#include "compiler/support/status.h"

#include <cublas_v2.h>

namespace llie::cuda {

struct CublasApi {
  decltype(&cublasCreate) create = nullptr;
  decltype(&cublasDestroy) destroy = nullptr;
  decltype(&cublasSetStream) setStream = nullptr;
  decltype(&cublasSetPointerMode) setPointerMode = nullptr;
  decltype(&cublasSetMathMode) setMathMode = nullptr;
  decltype(&cublasSgemm) sgemm = nullptr;
  decltype(&cublasSgemmStridedBatched) sgemmStridedBatched = nullptr;
  decltype(&cublasGetStatusName) statusName = nullptr;
  decltype(&cublasGetStatusString) statusString = nullptr;
};

/// The cuBLAS functions, from libcublas.so.<major> opened on the first call (the loader's search
/// path, then the toolkit's library folder found at build time); an error value naming the
/// library and dlerror()'s reason when it cannot be opened or lacks a function.
Expected<const CublasApi*> cublasApi();

} // namespace llie::cuda
