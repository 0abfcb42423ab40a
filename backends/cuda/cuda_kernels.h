// The cuda backend's kernel families: one register function per family file, each filling a
// kernels::Registry (kernel_registry.h) whose factories also get the backend's CudaContext.
// Factories read the node's geometry, build library descriptors and choose algorithms once, at
// prepare time; run() only launches on the context's stream. The device code itself lives in
// the .cu files behind device_kernels.h.
#pragma once
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_context.h"
#include "backends/kernel_registry.h"

namespace llie::cuda {

using Registry = kernels::Registry<CudaCtxPtr>;

void registerElementwise(Registry& r);  // elementwise.cpp: kUnaryOps, kBinaryOps, prelu
void registerConv2d(Registry& r);       // conv2d.cpp: conv2d, conv2d_grad_input, _grad_weight
void registerBatchNorm(Registry& r);    // batchnorm.cpp: batchnorm, batchnorm_train, _grad
void registerReduce(Registry& r);       // reduce.cpp: kReduceOps, softmax, argmax, kth_value
void registerMatMul(Registry& r);       // matmul.cpp (cuBLAS)
void registerDataMovement(Registry& r); // data_movement.cpp: reshape .. pad, concat
void registerOptimizers(Registry& r);   // optimizers.cpp: sgd_update, adam_update
void registerFused(Registry& r);        // fused.cpp: fused_elementwise, sign .. atan2
void registerSeparable(Registry& r);    // separable.cpp: avg_pool2d, its grad, pad/resize_grad
void registerGradMovement(Registry& r); // grad_movement.cpp: assign, reduce_grad, slice_grad
void registerLosses(Registry& r);       // losses.cpp: the pointwise losses, loss_grad
void registerPool(Registry& r);         // pool.cpp: max_pool2d, max_pool2d_grad
void registerDropPath(Registry& r);     // drop_path.cpp: drop_path, drop_path_train
void registerNorms(Registry& r);        // norms.cpp: instancenorm, layernorm, l2_normalize
void registerClassLosses(Registry& r);  // class_losses.cpp: cross_entropy, kl_div, their grad
void registerFft(Registry& r);          // fft.cpp: rfft2, irfft2 and their gradients (cuFFT)
void registerComplex(Registry& r);      // complex.cpp: complex_abs, complex_angle, polar, grads

} // namespace llie::cuda
