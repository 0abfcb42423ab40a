// The cpu backend's kernel families: one register function per family file, each filling a
// kernels::Registry (kernel_registry.h) whose factories also get the backend's oneDNN context;
// data movement is the shared host family (host_data_movement.h), and so are the gradients of
// data movement, pooling and resize (host_grad_movement.h). Factories build oneDNN primitive
// descriptors and primitives once, at prepare time, for the node's concrete shapes; the returned
// Kernel's run() only executes.
#pragma once
#include "backends/cpu/dnnl_utils.h"
#include "backends/kernel_registry.h"

namespace llie::cpu {

using Registry = kernels::Registry<CtxPtr>;

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
void registerLayerNorm(Registry& r); // layernorm.cpp
void registerNormLoops(Registry& r); // norm_loops.cpp: instancenorm, l2_normalize (host loops)
// Training.
void registerConv2dGrad(Registry& r);     // conv2d_grad.cpp: conv2d_grad_input/_weight
void registerBatchNormTrain(Registry& r); // batchnorm_train.cpp: batchnorm_train/_grad
/// y = act((x − mean)·γ/√(var + ε) + β) over channels-last x viewed as [M = N·H·W, C], in float
/// with the scale computed in double (batchnorm_train.cpp; batchnorm over channels-last x runs
/// it too, so a recomputed output is bit-identical).
void normalizeChannelsLast(const float* X, float* Y, int64_t M, int64_t C, const float* mean,
                           const float* var, const float* gamma, const float* beta, double eps,
                           Epilogue act);
// channels_last_host.cpp: slice, reduce_grad, resize_grad by layout (after the shared families).
void registerChannelsLastHost(Registry& r);

std::unique_ptr<Backend> makeCpuBackend();

} // namespace llie::cpu
