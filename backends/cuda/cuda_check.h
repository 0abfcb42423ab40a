// Checked calls into the CUDA runtime, cuDNN and cuBLAS. Every call the cuda backend makes goes
// through one of the macros below, so a failure names the call as written, its file:line and the
// library's own error name and text. Where the caller returns a Status or Expected (prepare,
// context creation), LLIE_CUDA_TRY returns the error value; where it cannot (Kernel::run,
// copyIn/copyOut), LLIE_CUDA_CHECK throws CudaError, which the backend converts to a Status at
// its boundary wherever the interface has one.
#pragma once
#include "compiler/support/status.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <stdexcept>
#include <string>

namespace llie::cuda {

/// A failed CUDA / cuDNN / cuBLAS call where no Status can be returned.
class CudaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The library's name and text for a status: "cudaErrorMemoryAllocation: out of memory".
std::string errorText(cudaError_t e);
std::string errorText(cudnnStatus_t s);
std::string errorText(cublasStatus_t s);

inline bool failed(cudaError_t e) {
  return e != cudaSuccess;
}
inline bool failed(cudnnStatus_t s) {
  return s != CUDNN_STATUS_SUCCESS;
}
inline bool failed(cublasStatus_t s) {
  return s != CUBLAS_STATUS_SUCCESS;
}

/// "<call> failed at <file>:<line>: <error text>", the file shortened to its path in the
/// repository (from "backends/").
std::string callFailure(const std::string& error, const char* call, const char* file, int line);

/// Status::ok() on success, otherwise the callFailure message as an error value.
template <class S> Status checkCall(S s, const char* call, const char* file, int line) {
  if (!failed(s)) return Status::ok();
  return Status::error(callFailure(errorText(s), call, file, line));
}

/// Throws CudaError with the callFailure message when the call failed.
template <class S> void throwIfFailed(S s, const char* call, const char* file, int line) {
  if (failed(s)) throw CudaError(callFailure(errorText(s), call, file, line));
}

} // namespace llie::cuda

/// Returns the error value from the enclosing function (Status or Expected<T>) if `call` fails.
#define LLIE_CUDA_TRY(call)                                                                        \
  do {                                                                                             \
    ::llie::Status llie_cuda_st_ = ::llie::cuda::checkCall((call), #call, __FILE__, __LINE__);     \
    if (!llie_cuda_st_.isOk()) return llie_cuda_st_;                                               \
  } while (0)

/// Throws llie::cuda::CudaError if `call` fails.
#define LLIE_CUDA_CHECK(call) ::llie::cuda::throwIfFailed((call), #call, __FILE__, __LINE__)
