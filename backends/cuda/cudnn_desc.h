// Owning wrappers of the cuDNN descriptors the cuda kernels keep between runs (tensor, filter,
// convolution): created empty, set through the checked calls, destroyed with their kernel.
// Not copyable; a kernel holds them as members and is itself heap-allocated.
#pragma once
#include "backends/cuda/cuda_check.h"

#include <climits>
#include <cstdint>

namespace llie::cuda {

/// Whether every value fits the int the legacy cuDNN API takes.
inline bool fitsInt(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x < 0 || x > INT_MAX) return false;
  return true;
}

template <class T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)> class CudnnDesc {
public:
  CudnnDesc() = default;
  CudnnDesc(const CudnnDesc&) = delete;
  CudnnDesc& operator=(const CudnnDesc&) = delete;
  ~CudnnDesc() {
    if (d_) Destroy(d_);
  }
  /// Creates the descriptor (once); an error value if cuDNN cannot.
  Status create() {
    if (!d_) LLIE_CUDA_TRY(Create(&d_));
    return Status::ok();
  }
  T get() const { return d_; }

private:
  T d_ = nullptr;
};

using TensorDesc =
    CudnnDesc<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    CudnnDesc<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = CudnnDesc<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                           cudnnDestroyConvolutionDescriptor>;

/// A dense NCHW float tensor descriptor.
inline Status setNchw(TensorDesc& d, int64_t n, int64_t c, int64_t h, int64_t w) {
  if (!fitsInt({n, c, h, w})) return Status::error("a tensor axis exceeds cuDNN's int range");
  if (Status st = d.create(); !st.isOk()) return st;
  LLIE_CUDA_TRY(cudnnSetTensor4dDescriptor(d.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                           static_cast<int>(n), static_cast<int>(c),
                                           static_cast<int>(h), static_cast<int>(w)));
  return Status::ok();
}

} // namespace llie::cuda
