// cuda-vs-cpu cases for the cuBLAS matmul: plain and with either or both operands transposed,
// batch broadcasting on either side and on both (which takes the per-matrix path), a bias of
// shape [N] and one broadcast over rows, an epilogue, the linear-layer form [B, N, in]·[out, in]ᵀ
// and a larger product.
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

GpuCase mm(std::string name, Dims a, Dims b, Dims y, bool ta = false, bool tb = false,
           Dims bias = {}, Epilogue e = Epilogue::None) {
  MatMulAttrs at;
  at.transA = ta, at.transB = tb, at.epilogue = e;
  std::vector<Dims> ins{std::move(a), std::move(b)};
  if (!bias.empty()) ins.push_back(std::move(bias));
  return GpuCase{std::move(name), OpKind::MatMul, at, ins, {std::move(y)}};
}

std::vector<GpuCase> matmulCases() {
  return {
      mm("plain", {3, 4}, {4, 5}, {3, 5}),
      mm("trans_a", {4, 3}, {4, 5}, {3, 5}, true),
      mm("trans_b", {3, 4}, {5, 4}, {3, 5}, false, true),
      mm("trans_both", {4, 3}, {5, 4}, {3, 5}, true, true),
      mm("batch_broadcast_rhs", {2, 3, 4}, {4, 5}, {2, 3, 5}),
      mm("batch_broadcast_lhs", {3, 4}, {2, 4, 5}, {2, 3, 5}),
      mm("batch_broadcast_both", {2, 1, 3, 4}, {3, 4, 5}, {2, 3, 3, 5}),
      mm("batched_trans_b_attention", {2, 6, 8}, {2, 6, 8}, {2, 6, 6}, false, true),
      mm("batched_trans_a", {2, 4, 3}, {2, 4, 5}, {2, 3, 5}, true),
      mm("bias_last_axis", {3, 4}, {4, 5}, {3, 5}, false, false, {5}),
      mm("bias_full", {2, 3, 4}, {4, 5}, {2, 3, 5}, false, false, {3, 5}),
      mm("relu_epilogue", {3, 7}, {7, 5}, {3, 5}, false, false, {5}, Epilogue::Relu),
      mm("linear_rank3", {2, 9, 16}, {12, 16}, {2, 9, 12}, false, true, {12}),
      mm("linear_large", {4, 64}, {48, 64}, {4, 48}, false, true, {48}),
      mm("square_128", {128, 128}, {128, 128}, {128, 128}),
  };
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaMatMul, CudaMatchesCpu, ::testing::ValuesIn(matmulCases()),
                         gpuCaseName);

} // namespace llie::bt
