// The reference backend's kernel families: one register function per family file, each filling
// a kernels::Registry (kernel_registry.h) whose factories need no context; data movement is the
// shared host family (host_data_movement.h), since it does no arithmetic, and so are pad_grad and
// slice_grad (host_grad_movement.h). Reference kernels are naive loops that accumulate in double;
// they are the test oracle for every other backend, never a fast path.
#pragma once
#include "backends/kernel_registry.h"
#include "backends/kernel_util.h"

#include <cmath>

namespace llie::ref {

using kernels::Dims;
using Registry = kernels::Registry<>;

// One per kernel family file.
void registerConv2d(Registry& r);    // conv2d.cpp
void registerBatchNorm(Registry& r); // batchnorm.cpp
void registerEltwise(Registry& r);   // eltwise.cpp: unary elementwise
void registerBinary(Registry& r);    // binary.cpp
void registerPool(Registry& r);      // pool.cpp
void registerResize(Registry& r);    // resize.cpp
void registerReduce(Registry& r);    // reduce.cpp
void registerSoftmax(Registry& r);   // softmax.cpp: softmax, log_softmax
void registerConcat(Registry& r);    // concat.cpp
// Matrix products and transposed convolution, one file each.
void registerMatMul(Registry& r);
void registerConvTranspose2d(Registry& r);
void registerNorms(Registry& r);     // norms.cpp: instancenorm, layernorm, l2_normalize
// Training.
void registerConv2dGrad(Registry& r);     // conv2d_grad.cpp: conv2d_grad_input/_weight
void registerBatchNormTrain(Registry& r); // batchnorm_train.cpp: batchnorm_train/_grad
void registerPoolGrad(Registry& r);       // pool_grad.cpp: max/avg_pool2d_grad
void registerResizeGrad(Registry& r);     // resize_grad.cpp
// FFT.
void registerFft(Registry& r); // fft.cpp: rfft2, irfft2, rfft2_grad, irfft2_grad (naive DFT)

std::unique_ptr<Backend> makeReferenceBackend();

/// The activation a conv/matmul epilogue applies, in double.
inline double applyEpilogue(Epilogue e, double alpha, double x) {
  switch (e) {
  case Epilogue::None: return x;
  case Epilogue::Relu: return x > 0 ? x : 0.0;
  case Epilogue::Relu6: return x < 0 ? 0.0 : (x > 6 ? 6.0 : x);
  case Epilogue::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
  case Epilogue::Tanh: return std::tanh(x);
  case Epilogue::LeakyRelu: return x >= 0 ? x : alpha * x;
  }
  return x;
}

} // namespace llie::ref
