// The error texts and the failure message of the checked-call helpers (cuda_check.h).
#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cublas_api.h"

namespace llie::cuda {

std::string errorText(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

std::string errorText(cudnnStatus_t s) {
  return std::string("cuDNN status ") + std::to_string(static_cast<int>(s)) + ": " +
         cudnnGetErrorString(s);
}

std::string errorText(cublasStatus_t s) {
  auto api = cublasApi();
  if (!api) return "cuBLAS status " + std::to_string(static_cast<int>(s));
  return std::string((*api)->statusName(s)) + ": " + (*api)->statusString(s);
}

std::string callFailure(const std::string& error, const char* call, const char* file, int line) {
  std::string f = file ? file : "?";
  if (auto at = f.rfind("backends/"); at != std::string::npos) f = f.substr(at);
  return std::string(call) + " failed at " + f + ":" + std::to_string(line) + ": " + error;
}

} // namespace llie::cuda
