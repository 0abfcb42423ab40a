// cuFFT, opened when an FFT kernel is first prepared rather than linked: like cuBLAS
// (cublas_api.h), cuFFT is a large library that would otherwise be mapped into every llie
// process. The table holds the few functions the FFT kernels call, typed from cuFFT's header.
#pragma once
#include "compiler/support/status.h"

#include <cufft.h>

namespace llie::cuda {

struct CufftApi {
  decltype(&cufftPlanMany) planMany = nullptr;
  decltype(&cufftSetStream) setStream = nullptr;
  decltype(&cufftExecC2C) execC2C = nullptr;
  decltype(&cufftDestroy) destroy = nullptr;
};

/// The cuFFT functions, from libcufft.so.<major> opened on the first call (the loader's search
/// path, then the toolkit's library folder found at build time); an error value naming the
/// library and dlerror()'s reason when it cannot be opened or lacks a function.
Expected<const CufftApi*> cufftApi();

/// cuFFT's name for a result code ("CUFFT_INVALID_PLAN", ...).
const char* cufftResultName(cufftResult r);

} // namespace llie::cuda
