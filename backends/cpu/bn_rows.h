// The inner loops of the channels-last batchnorm family (batchnorm over channels-last x,
// batchnorm_train, batchnorm_grad, each with an optional relu/relu6 epilogue): each works on a
// block of rows of the [M = N·H·W, C] matrix, vectorised across the channels and compiled for
// AVX-512, AVX2 and the baseline (chosen when the program loads). The project compiles with
// -ffp-contract=off, so every clone rounds exactly as the scalar code: a recomputation
// (batchnorm) gives the forward's (batchnorm_train's) values bit for bit, and batchnorm_grad
// recomputes the epilogue's mask from x exactly as the forward computed the activation.
#pragma once
#include "compiler/ir/attrs.h"

#include <cstdint>

namespace llie::cpu::bnrows {

/// Per channel, over rows [0, rows) of X: s[c] += x − x0[c], q[c] += (x − x0[c])².
void addShiftedSums(const float* X, const float* x0, int64_t rows, int64_t C, float* s, float* q);

/// Per channel: s[c] += g, t[c] += g·(x − mean[c]), g = dy masked by the epilogue's mask at
/// z = (x − mean)·scale + beta (act None: g = dy; scale and beta are then not read).
void addGradSums(const float* X, const float* DY, const float* mean, const float* scale,
                 const float* beta, Epilogue act, int64_t rows, int64_t C, float* s, float* t);

/// y = act((x − mean)·scale + beta).
void normalize(const float* X, float* Y, const float* mean, const float* scale, const float* beta,
               Epilogue act, int64_t rows, int64_t C);

/// dx = a·(g − b − (x − mean)·k), g as in addGradSums.
void gradApply(const float* X, const float* DY, float* DX, const float* mean, const float* scale,
               const float* beta, Epilogue act, const float* a, const float* b, const float* k,
               int64_t rows, int64_t C);

/// y = act(y) in place over n values (the epilogue after oneDNN's NCHW kernels).
void activate(float* y, int64_t n, Epilogue act);

/// g = dy where the epilogue passes the gradient at y = act(z) (relu: y > 0; relu6: 0 < y < 6),
/// else 0: the mask from the activation's output. g may be y (in place).
void maskByOutput(const float* y, const float* dy, float* g, int64_t n, Epilogue act);

} // namespace llie::cpu::bnrows
