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
void registerConv2d(Registry& r); // conv2d.cpp
/// conv2d.cpp's kernel for a fewOutputConv (layout.h) whose input is stored `in` (NHWC or
/// nChw16c) and output `out` (plain or NHWC).
Expected<std::unique_ptr<Kernel>> makeFewOutputConv(const Graph& g, const Node& n,
                                                    const CtxPtr& ctx, Layout in, Layout out);
void registerBatchNorm(Registry& r); // batchnorm.cpp
void registerEltwise(Registry& r);   // eltwise.cpp: unary elementwise
void registerBinary(Registry& r);    // binary.cpp
void registerPool(Registry& r);      // pool.cpp
void registerResize(Registry& r);    // resize.cpp
void registerReduce(Registry& r);    // reduce.cpp
void registerSoftmax(Registry& r);   // softmax.cpp: softmax, log_softmax
void registerConcat(Registry& r);    // concat.cpp
/// Per node: a concat of one row in its layout (concat.cpp), whose inputs are its output's bytes
/// one after another, so the memory plan may place them there (Backend::concatsInPlace).
std::vector<bool> concatsInPlace(const Graph& g);
// Matrix products and transposed convolution, one file each.
void registerMatMul(Registry& r);
void registerConvTranspose2d(Registry& r);
void registerLayerNorm(Registry& r); // layernorm.cpp
void registerNormLoops(Registry& r); // norm_loops.cpp: instancenorm, l2_normalize (host loops)
// Training.
void registerConv2dGrad(Registry& r);     // conv2d_grad.cpp: conv2d_grad_input/_weight
void registerBatchNormTrain(Registry& r); // batchnorm_train.cpp: batchnorm_train/_grad
/// A channels-innermost activation seen as panels: `count` contiguous row-major [rows, width]
/// matrices, panel p starting at element p·rows·width and holding channels [c0(p), c0(p) +
/// width). NHWC is one panel [N·H·W, C]; nChw16c (C % 16 == 0) is N·C/16 panels [H·W, 16].
struct Panels {
  int64_t count = 1, rows = 0, width = 0, C = 0;
  int64_t c0(int64_t p) const { return C > width ? p % (C / width) * width : 0; }
  int64_t offset(int64_t p) const { return p * rows * width; }
  int64_t elements() const { return count * rows * width; }
};
/// The panels of an N x C x H x W activation stored in `layout` (NHWC or nChw16c).
Panels panelsOf(int64_t n, int64_t c, int64_t hw, Layout layout);
/// y = act((x − mean)·γ/√(var + ε) + β) over x in panels (channels-last or nChw16c), in float
/// with the scale computed in double (batchnorm_train.cpp; batchnorm over such x runs it too,
/// so a recomputed output is bit-identical).
void normalizePanels(const float* X, float* Y, const Panels& P, const float* mean, const float* var,
                     const float* gamma, const float* beta, double eps, Epilogue act);
// channels_last_host.cpp: slice, reduce_grad, resize_grad by layout (after the shared families).
void registerChannelsLastHost(Registry& r);

std::unique_ptr<Backend> makeCpuBackend();

} // namespace llie::cpu
