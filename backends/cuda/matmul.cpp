// The cuda matmul: y[b..., M, N] = op(A) · op(B) (+ bias broadcast to y), then the fused
// epilogue, with the batch axes broadcast NumPy-style (op_geometry.h: matmulGeometry). cuBLAS
// is column-major, so the row-major product is computed as its transpose, yᵀ = op(B)ᵀ · op(A)ᵀ,
// which reads the row-major operands as they lie. When every batch matrix of A and of B sits at
// a fixed stride (0 for a broadcast operand) one strided-batched call does all of them;
// otherwise (broadcasting over some batch axes only) one call per batch matrix. fp32 with the
// default (non-TF32) math mode set on the handle; bias and epilogue run in place afterwards
// (elementwise.cu).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/op_geometry.h"

#include <climits>

namespace llie::cuda {
namespace {

using kernels::Dims;
using kernels::MatMulGeom;

/// Offsets of batch matrix `b` (row-major over m.batch) in A and B.
void batchOffsets(const MatMulGeom& m, int64_t b, int64_t& aOff, int64_t& bOff) {
  aOff = 0, bOff = 0;
  for (int64_t d = static_cast<int64_t>(m.batch.size()) - 1; d >= 0; --d) {
    int64_t i = b % m.batch[d];
    b /= m.batch[d];
    aOff += i * m.aStrides[d];
    bOff += i * m.bStrides[d];
  }
}

bool fitsInt(int64_t v) {
  return v >= 0 && v <= INT_MAX;
}

std::string checkMatMul(const Graph& g, const Node& n) {
  auto geom = kernels::matmulGeometry(g, n);
  if (!geom) return ""; // prepare reports the malformed node
  const MatMulGeom& m = *geom;
  if (!fitsInt(m.M) || !fitsInt(m.N) || !fitsInt(m.K) || !fitsInt(numel(m.batch)))
    return "a matrix side or batch count beyond cuBLAS's int range";
  if (m.hasBias && kernels::outShape(g, n).size() > static_cast<size_t>(dev::kMaxRank))
    return "a bias over more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

bool epilogueOp(Epilogue e, dev::UnaryOp& op) {
  switch (e) {
  case Epilogue::None:
    return false;
  case Epilogue::Relu:
    op = dev::UnaryOp::Relu;
    return true;
  case Epilogue::Relu6:
    op = dev::UnaryOp::Relu6;
    return true;
  case Epilogue::Sigmoid:
    op = dev::UnaryOp::Sigmoid;
    return true;
  case Epilogue::Tanh:
    op = dev::UnaryOp::Tanh;
    return true;
  case Epilogue::LeakyRelu:
    op = dev::UnaryOp::LeakyRelu;
    return true; // slope 0, as the reference
  }
  return false;
}

struct Plan {
  MatMulGeom m;
  int64_t batches = 0;
  bool strided = false; ///< one strided-batched call
  int64_t strideA = 0, strideB = 0;
  std::vector<int64_t> aOffs, bOffs; ///< per batch matrix, when not strided
  bool bias = false;
  dev::Broadcast2 biasShape; ///< y (in place) + bias
  bool epilogue = false;
  dev::UnaryOp epiOp = dev::UnaryOp::Relu;
};

Expected<std::unique_ptr<Kernel>> makeMatMul(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(MatMulGeom m, kernels::matmulGeometry(g, n));
  if (std::string why = checkMatMul(g, n); !why.empty())
    return kernels::unsupported(n, "cuda", why);
  Plan p;
  p.m = m;
  p.batches = numel(m.batch);
  // Strided when batch b's offsets are b·strideA and b·strideB for every b.
  int64_t a1 = 0, b1 = 0;
  if (p.batches > 1) batchOffsets(m, 1, a1, b1);
  p.strided = true;
  for (int64_t b = 0; b < p.batches && p.strided; ++b) {
    int64_t ao, bo;
    batchOffsets(m, b, ao, bo);
    p.strided = ao == b * a1 && bo == b * b1;
  }
  p.strideA = a1, p.strideB = b1;
  if (!p.strided)
    for (int64_t b = 0; b < p.batches; ++b) {
      int64_t ao, bo;
      batchOffsets(m, b, ao, bo);
      p.aOffs.push_back(ao), p.bOffs.push_back(bo);
    }
  if (m.hasBias) {
    Dims y = kernels::outShape(g, n);
    p.bias = true;
    p.biasShape.rank = static_cast<int>(y.size());
    Dims ys = kernels::stridesOf(y);
    for (size_t d = 0; d < y.size(); ++d)
      p.biasShape.dims[d] = y[d], p.biasShape.sa[d] = ys[d], p.biasShape.sb[d] = m.biasStrides[d];
  }
  p.epilogue = epilogueOp(attrsOf<MatMulAttrs>(n).epilogue, p.epiOp);

  return kernels::makeFnKernel([ctx, p](const auto& in, const auto& out) {
    const MatMulGeom& m = p.m;
    const float* A = in[0]->f32();
    const float* B = in[1]->f32();
    float* Y = out[0]->f32();
    const int64_t count = out[0]->numel();
    if (count == 0) return;
    const float one = 1.f, zero = 0.f;
    // Column-major view: C (N x M, ld N) = op_b(B') (N x K) · op_a(A') (K x M).
    cublasOperation_t opB = m.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opA = m.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
    int M = int(m.M), N = int(m.N), K = int(m.K);
    int ldb = m.transB ? K : N, lda = m.transA ? M : K;
    if (K == 0) {
      LLIE_CUDA_CHECK(cudaMemsetAsync(Y, 0, sizeof(float) * count, ctx->stream));
    } else if (p.strided) {
      LLIE_CUDA_CHECK(ctx->blas->sgemmStridedBatched(ctx->cublas, opB, opA, N, M, K, &one, B, ldb,
                                                     p.strideB, A, lda, p.strideA, &zero, Y, N,
                                                     int64_t(M) * N, int(p.batches)));
    } else {
      for (int64_t b = 0; b < p.batches; ++b)
        LLIE_CUDA_CHECK(ctx->blas->sgemm(ctx->cublas, opB, opA, N, M, K, &one, B + p.bOffs[b], ldb,
                                         A + p.aOffs[b], lda, &zero, Y + b * int64_t(M) * N, N));
    }
    if (p.bias)
      LLIE_CUDA_CHECK(
          dev::binary(ctx->stream, dev::BinaryOp::Add, Y, in[2]->f32(), Y, p.biasShape, count));
    if (p.epilogue) LLIE_CUDA_CHECK(dev::unary(ctx->stream, p.epiOp, 0.0, 0.0, Y, Y, count));
  });
}

} // namespace

void registerMatMul(Registry& r) {
  r.add(OpKind::MatMul, makeMatMul, checkMatMul);
}

} // namespace llie::cuda
