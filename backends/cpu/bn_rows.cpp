// The channels-last batchnorm loops (see bn_rows.h). Each entry point is a target_clones set
// that switches on the epilogue (LLIE_BY_EPILOGUE) to a row loop instantiated for it and inlined
// into the clone, so the mask is a constant in every inner loop and the loop is compiled for the
// clone's instruction set; the loops are `omp simd` over the channels with __restrict operands
// and vectorise without alias checks. Masks are branch-free ((z > 0) & (z < 6)), as
// unary_grad's.
#include "backends/cpu/bn_rows.h"
#include "backends/simd_clones.h"

namespace llie::cpu::bnrows {
namespace {

/// Whether the epilogue passes the gradient at pre-activation z.
template <Epilogue E> inline bool passes(float z) {
  if constexpr (E == Epilogue::Relu)
    return z > 0.f;
  else
    return (z > 0.f) & (z < 6.f);
}

/// act(z); relu as z < 0 ? 0 : z, relu6 as oneDNN's clip (s = z > 0 ? z : 0; s > 6 ? 6 : s).
template <Epilogue E> inline float activated(float z) {
  if constexpr (E == Epilogue::None)
    return z;
  else if constexpr (E == Epilogue::Relu)
    return z < 0.f ? 0.f : z;
  else {
    const float s = z > 0.f ? z : 0.f;
    return s > 6.f ? 6.f : s;
  }
}

/// dy where the epilogue passes the gradient at z = (x − mean)·scale + beta (d = x − mean).
template <Epilogue E>
inline float masked(float dy, float d, const float* __restrict scale, const float* __restrict beta,
                    int64_t c) {
  if constexpr (E == Epilogue::None)
    return dy;
  else
    return passes<E>(d * scale[c] + beta[c]) ? dy : 0.f;
}

struct Rows {
  const float* __restrict mean, * __restrict scale, * __restrict beta;
  int64_t rows, C;
};

template <Epilogue E>
[[gnu::always_inline]] inline void gradSumsRows(const Rows& p, const float* __restrict X,
                                                const float* __restrict DY, float* __restrict s,
                                                float* __restrict t) {
  const int64_t C = p.C;
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* __restrict x = X + r * C, * __restrict dy = DY + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = x[c] - p.mean[c];
      const float g = masked<E>(dy[c], d, p.scale, p.beta, c);
      s[c] += g;
      t[c] += g * d;
    }
  }
}

template <Epilogue E>
[[gnu::always_inline]] inline void normalizeRows(const Rows& p, const float* __restrict X,
                                                 float* __restrict Y) {
  const int64_t C = p.C;
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* __restrict x = X + r * C;
    float* __restrict y = Y + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c)
      y[c] = activated<E>((x[c] - p.mean[c]) * p.scale[c] + p.beta[c]);
  }
}

template <Epilogue E>
[[gnu::always_inline]] inline void
gradApplyRows(const Rows& p, const float* __restrict X, const float* __restrict DY,
              float* __restrict DX, const float* __restrict a, const float* __restrict b,
              const float* __restrict k) {
  const int64_t C = p.C;
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* __restrict x = X + r * C, * __restrict dy = DY + r * C;
    float* __restrict dx = DX + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      const float d = x[c] - p.mean[c];
      dx[c] = a[c] * (masked<E>(dy[c], d, p.scale, p.beta, c) - b[c] - d * k[c]);
    }
  }
}

/// Calls body<E>(args...) for the epilogue `act` (None, Relu or Relu6), inlined into the
/// calling clone so that it is compiled for that clone's instruction set.
#define LLIE_BY_EPILOGUE(act, body, ...)                                                           \
  switch (act) {                                                                                   \
  case Epilogue::Relu:                                                                             \
    return body<Epilogue::Relu>(__VA_ARGS__);                                                      \
  case Epilogue::Relu6:                                                                            \
    return body<Epilogue::Relu6>(__VA_ARGS__);                                                     \
  default:                                                                                         \
    return body<Epilogue::None>(__VA_ARGS__);                                                      \
  }

template <Epilogue E>
[[gnu::always_inline]] inline void activateAll(float* __restrict y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    y[i] = activated<E>(y[i]);
}

/// g = dy where the epilogue passes the gradient at its output y (relu: y > 0; relu6:
/// 0 < y < 6); g may be y.
template <Epilogue E>
[[gnu::always_inline]] inline void maskAll(const float* y, const float* __restrict dy, float* g,
                                           int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    g[i] = passes<E>(y[i]) ? dy[i] : 0.f;
}

} // namespace

LLIE_SIMD_CLONES void addShiftedSums(const float* __restrict X, const float* __restrict x0,
                                     int64_t rows, int64_t C, float* __restrict s,
                                     float* __restrict q) {
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

LLIE_SIMD_CLONES void addGradSums(const float* X, const float* DY, const float* mean,
                                  const float* scale, const float* beta, Epilogue act, int64_t rows,
                                  int64_t C, float* s, float* t) {
  const Rows p{mean, scale, beta, rows, C};
  LLIE_BY_EPILOGUE(act, gradSumsRows, p, X, DY, s, t)
}

LLIE_SIMD_CLONES void normalize(const float* X, float* Y, const float* mean, const float* scale,
                                const float* beta, Epilogue act, int64_t rows, int64_t C) {
  const Rows p{mean, scale, beta, rows, C};
  LLIE_BY_EPILOGUE(act, normalizeRows, p, X, Y)
}

LLIE_SIMD_CLONES void gradApply(const float* X, const float* DY, float* DX, const float* mean,
                                const float* scale, const float* beta, Epilogue act, const float* a,
                                const float* b, const float* k, int64_t rows, int64_t C) {
  const Rows p{mean, scale, beta, rows, C};
  LLIE_BY_EPILOGUE(act, gradApplyRows, p, X, DY, DX, a, b, k)
}

LLIE_SIMD_CLONES void activate(float* y, int64_t n,
                               Epilogue act){LLIE_BY_EPILOGUE(act, activateAll, y, n)}

LLIE_SIMD_CLONES
    void maskByOutput(const float* y, const float* dy, float* g, int64_t n, Epilogue act) {
  LLIE_BY_EPILOGUE(act, maskAll, y, dy, g, n)
}

} // namespace llie::cpu::bnrows
