// The channels-last batchnorm loops (see bn_rows.h). Each function is a target_clones set; the
// inner loops are `omp simd` over the channels with __restrict operands, so they vectorise
// without alias checks. Masks are computed branch-free ((z > 0) & (z < 6)), as unary_grad's.
#include "backends/cpu/bn_rows.h"

namespace llie::cpu::bnrows {
namespace {

/// Whether the epilogue passes the gradient at pre-activation z.
inline bool passes(float z, Epilogue act) {
  if (act == Epilogue::Relu) return z > 0.f;
  return (z > 0.f) & (z < 6.f);
}

/// act(z); oneDNN's clip for relu6 (s = z > 0 ? z : 0; s > 6 ? 6 : s), relu as z < 0 ? 0 : z.
inline float activated(float z, Epilogue act) {
  if (act == Epilogue::Relu) return z < 0.f ? 0.f : z;
  const float s = z > 0.f ? z : 0.f;
  return s > 6.f ? 6.f : s;
}

} // namespace

#define LLIE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

LLIE_CLONES void addShiftedSums(const float* __restrict X, const float* __restrict x0, int64_t rows,
                                int64_t C, float* __restrict s, float* __restrict q) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = X + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = x[c] - x0[c];
      s[c] += d;
      q[c] += d * d;
    }
  }
}

LLIE_CLONES void addGradSums(const float* __restrict X, const float* __restrict DY,
                             const float* __restrict mean, const float* __restrict scale,
                             const float* __restrict beta, Epilogue act, int64_t rows, int64_t C,
                             float* __restrict s, float* __restrict t) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = X + r * C, * __restrict dy = DY + r * C;
    if (act == Epilogue::None) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        s[c] += dy[c];
        t[c] += dy[c] * (x[c] - mean[c]);
      }
    } else if (act == Epilogue::Relu) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = x[c] - mean[c];
        const float g = passes(d * scale[c] + beta[c], Epilogue::Relu) ? dy[c] : 0.f;
        s[c] += g;
        t[c] += g * d;
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = x[c] - mean[c];
        const float g = passes(d * scale[c] + beta[c], Epilogue::Relu6) ? dy[c] : 0.f;
        s[c] += g;
        t[c] += g * d;
      }
    }
  }
}

LLIE_CLONES void normalize(const float* __restrict X, float* __restrict Y,
                           const float* __restrict mean, const float* __restrict scale,
                           const float* __restrict beta, Epilogue act, int64_t rows, int64_t C) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = X + r * C;
    float* __restrict y = Y + r * C;
    if (act == Epilogue::None) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c)
        y[c] = (x[c] - mean[c]) * scale[c] + beta[c];
    } else if (act == Epilogue::Relu) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c)
        y[c] = activated((x[c] - mean[c]) * scale[c] + beta[c], Epilogue::Relu);
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c)
        y[c] = activated((x[c] - mean[c]) * scale[c] + beta[c], Epilogue::Relu6);
    }
  }
}

LLIE_CLONES void gradApply(const float* __restrict X, const float* __restrict DY,
                           float* __restrict DX, const float* __restrict mean,
                           const float* __restrict scale, const float* __restrict beta,
                           Epilogue act, const float* __restrict a, const float* __restrict b,
                           const float* __restrict k, int64_t rows, int64_t C) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = X + r * C, * __restrict dy = DY + r * C;
    float* __restrict dx = DX + r * C;
    if (act == Epilogue::None) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c)
        dx[c] = a[c] * (dy[c] - b[c] - (x[c] - mean[c]) * k[c]);
    } else if (act == Epilogue::Relu) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = x[c] - mean[c];
        const float g = passes(d * scale[c] + beta[c], Epilogue::Relu) ? dy[c] : 0.f;
        dx[c] = a[c] * (g - b[c] - d * k[c]);
      }
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) {
        const float d = x[c] - mean[c];
        const float g = passes(d * scale[c] + beta[c], Epilogue::Relu6) ? dy[c] : 0.f;
        dx[c] = a[c] * (g - b[c] - d * k[c]);
      }
    }
  }
}

LLIE_CLONES void activate(float* __restrict y, int64_t n, Epilogue act) {
  if (act == Epilogue::Relu) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      y[i] = activated(y[i], Epilogue::Relu);
  } else if (act == Epilogue::Relu6) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      y[i] = activated(y[i], Epilogue::Relu6);
  }
}

LLIE_CLONES void maskByOutput(const float* y, const float* __restrict dy, float* g, int64_t n,
                              Epilogue act) {
  if (act == Epilogue::Relu) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      g[i] = y[i] > 0.f ? dy[i] : 0.f;
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i)
      g[i] = (y[i] > 0.f) & (y[i] < 6.f) ? dy[i] : 0.f;
  }
}

} // namespace llie::cpu::bnrows
