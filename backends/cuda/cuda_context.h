// The cuda backend's context: the device, the one stream every kernel, copy and library call is
// ordered on, and the cuDNN and cuBLAS handles bound to that stream. Owned by the backend and
// shared (by pointer) with its kernels, so a kernel never outlives the handles it uses (like the
// cpu backend's CtxPtr). Creating one is where a missing device or driver shows up, as an error
// value.
#pragma once
#include "backends/backend.h"
#include "backends/cuda/cublas_api.h"
#include "backends/cuda/cuda_check.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

namespace llie::cuda {

struct CudaContext {
  int device = 0;
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  const CublasApi* blas = nullptr; ///< cuBLAS, opened when the context is made
  cublasHandle_t cublas = nullptr;
  /// Device buffers from allocate() and the small tap tables separable kernels keep
  /// (separable.cpp); kernels' working memory is the workspace the executor plans into its
  /// arena.
  MemoryMeter meter;
  /// cuDNN convolution algorithms chosen so far: (algorithm, workspace bytes) by a key of the
  /// direction and the full geometry, so each shape is chosen once (conv2d.cpp).
  std::map<std::string, std::pair<int, size_t>> convAlgos;
  /// Convolution algorithms must be deterministic where cuDNN has one
  /// (Backend::requireDeterminism).
  bool deterministic = false;

  CudaContext() = default;
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;
  ~CudaContext();
};

using CudaCtxPtr = std::shared_ptr<CudaContext>;

/// The number of CUDA devices, or an error value "no CUDA device: <reason>" when there is none
/// (no driver, no device, a driver too old for this runtime).
Expected<int> cudaDeviceCount();

/// Device 0 with its stream and handles; an error value naming what failed.
Expected<CudaCtxPtr> createCudaContext();

} // namespace llie::cuda
