// Reference matmul: y[b..., i, j] = Σ_k op(A)[b..., i, k]·op(B)[b..., k, j] (+ bias broadcast to
// y), then the fused epilogue. The batch axes broadcast NumPy-style (op_geometry.h:
// matmulGeometry); op() transposes the last two axes when trans_a / trans_b is set. Plain triple
// loop per batch matrix, accumulating in double.
#include "backends/op_geometry.h"
#include "backends/reference/ref_kernels.h"

namespace llie::ref {
namespace {

/// Offsets of batch matrix `b` (row-major over geom.batch) in A and B.
void batchOffsets(const kernels::MatMulGeom& m, int64_t b, int64_t& aOff, int64_t& bOff) {
  aOff = 0, bOff = 0;
  for (int64_t d = static_cast<int64_t>(m.batch.size()) - 1; d >= 0; --d) {
    int64_t i = b % m.batch[d];
    b /= m.batch[d];
    aOff += i * m.aStrides[d];
    bOff += i * m.bStrides[d];
  }
}

/// Offset of y's element (batch b, row i, column j) in the bias.
int64_t biasOffset(const kernels::MatMulGeom& m, int64_t b, int64_t i, int64_t j) {
  size_t r = m.biasStrides.size();
  int64_t off = i * m.biasStrides[r - 2] + j * m.biasStrides[r - 1];
  for (int64_t d = static_cast<int64_t>(r) - 3; d >= 0; --d) {
    off += (b % m.batch[d]) * m.biasStrides[d];
    b /= m.batch[d];
  }
  return off;
}

Expected<std::unique_ptr<Kernel>> makeMatMul(const Graph& g, const Node& n) {
  Expected<kernels::MatMulGeom> geom = kernels::matmulGeometry(g, n);
  if (!geom) return geom.takeStatus();
  kernels::MatMulGeom m = *geom;
  Epilogue epi = attrsOf<MatMulAttrs>(n).epilogue;
  int64_t batches = numel(m.batch);

  return kernels::makeFnKernel([m, epi, batches](const auto& in, const auto& out) {
    const float* A = in[0]->f32();
    const float* B = in[1]->f32();
    const float* bias = m.hasBias ? in[2]->f32() : nullptr;
    float* Y = out[0]->f32();
    // Element strides of op(A) (rows i, inner k) and op(B) (inner k, columns j).
    int64_t aI = m.transA ? 1 : m.K, aK = m.transA ? m.M : 1;
    int64_t bK = m.transB ? 1 : m.N, bJ = m.transB ? m.K : 1;
    for (int64_t b = 0; b < batches; ++b) {
      int64_t aOff, bOff;
      batchOffsets(m, b, aOff, bOff);
      for (int64_t i = 0; i < m.M; ++i)
        for (int64_t j = 0; j < m.N; ++j) {
          double acc = bias ? bias[biasOffset(m, b, i, j)] : 0.0;
          for (int64_t k = 0; k < m.K; ++k)
            acc += double(A[aOff + i * aI + k * aK]) * double(B[bOff + k * bK + j * bJ]);
          Y[(b * m.M + i) * m.N + j] = static_cast<float>(applyEpilogue(epi, 0.0, acc));
        }
    }
  });
}

} // namespace

void registerMatMul(Registry& r) {
  r.add(OpKind::MatMul, makeMatMul);
}

} // namespace llie::ref
