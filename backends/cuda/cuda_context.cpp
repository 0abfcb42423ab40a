// Creating and destroying the cuda backend's context (cuda_context.h). Math modes are pinned to
// plain fp32 (no TF32 tensor-op math in cuBLAS or cuDNN) so results stay within the 1e-4 the
// consistency tests allow against the cpu backend.
#include "backends/cuda/cuda_context.h"

namespace llie::cuda {

CudaContext::~CudaContext() {
  // Teardown is best-effort: nothing can be reported from a destructor.
  if (stream) cudaStreamSynchronize(stream);
  if (cublas) blas->destroy(cublas);
  if (cudnn) cudnnDestroy(cudnn);
  if (stream) cudaStreamDestroy(stream);
}

Expected<int> cudaDeviceCount() {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError(); // clear the sticky-free error so later calls start clean
    return Status::error(std::string("no CUDA device: ") + cudaGetErrorString(e));
  }
  if (count <= 0) return Status::error("no CUDA device: cudaGetDeviceCount found none");
  return count;
}

Expected<CudaCtxPtr> createCudaContext() {
  auto count = cudaDeviceCount();
  if (!count) return count.takeStatus();
  auto ctx = std::make_shared<CudaContext>();
  ctx->device = 0;
  LLIE_CUDA_TRY(cudaSetDevice(ctx->device));
  LLIE_CUDA_TRY(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking));
  LLIE_CUDA_TRY(cudnnCreate(&ctx->cudnn));
  LLIE_CUDA_TRY(cudnnSetStream(ctx->cudnn, ctx->stream));
  LLIE_ASSIGN_OR_RETURN(ctx->blas, cublasApi());
  LLIE_CUDA_TRY(ctx->blas->create(&ctx->cublas));
  LLIE_CUDA_TRY(ctx->blas->setStream(ctx->cublas, ctx->stream));
  LLIE_CUDA_TRY(ctx->blas->setPointerMode(ctx->cublas, CUBLAS_POINTER_MODE_HOST));
  LLIE_CUDA_TRY(ctx->blas->setMathMode(ctx->cublas, CUBLAS_DEFAULT_MATH));
  return ctx;
}

} // namespace llie::cuda
