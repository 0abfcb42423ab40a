// The matmul, conv_transpose2d, log_softmax and pixel-shuffle cases of the cpu-vs-reference table
// (cpu_linalg_cases_test.cpp); the cuda-vs-cpu harness runs the matmul and conv_transpose2d ones
// too (tests/gpu/matmul_cases.cpp, conv_cases.cpp): matmul plain and with either or both
// operands transposed, batch broadcasting on either side ([2,3,4]x[4,5], [2,1,M,K]x[3,K,N]),
// bias of shape [N] and broadcast over rows, an epilogue, the linear-layer form
// [B,N,in]·[out,in]ᵀ; conv_transpose2d with stride, asymmetric padding, output_padding larger
// than the padding (negative oneDNN padding_r), dilation, groups, bias on and off, and channel
// counts that make oneDNN pick blocked layouts; log_softmax over one, several and the last axes;
// pixel_shuffle / pixel_unshuffle through the cpu registry.
#pragma once
#include "tests/backends/backend_test_util.h"

namespace llie::bt::tables {

inline Case mm(std::string name, Dims a, Dims b, Dims y, bool ta = false, bool tb = false,
               Dims bias = {}, Epilogue e = Epilogue::None) {
  MatMulAttrs at;
  at.transA = ta, at.transB = tb, at.epilogue = e;
  std::vector<Dims> ins{std::move(a), std::move(b)};
  if (!bias.empty()) ins.push_back(std::move(bias));
  return Case{std::move(name), OpKind::MatMul, at, ins, std::move(y)};
}

inline std::vector<Case> matmulCases() {
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
  };
}

struct CtSpec {
  std::string name;
  Dims x; // N C H W
  int64_t O, k;
  int64_t groups = 1;
  std::vector<int64_t> stride{1, 1}, pad{0, 0, 0, 0}, outPad{0, 0}, dil{1, 1};
  bool bias = true;
};

inline Case ctCase(const CtSpec& s) {
  ConvTranspose2dAttrs a;
  a.stride = s.stride, a.pad = s.pad, a.outputPadding = s.outPad, a.dilation = s.dil;
  a.groups = s.groups;
  auto out = [&](int64_t in, int i) {
    return (in - 1) * s.stride[i] - s.pad[2 * i] - s.pad[2 * i + 1] + s.dil[i] * (s.k - 1) +
           s.outPad[i] + 1;
  };
  std::vector<Dims> ins{s.x, {s.x[1], s.O / s.groups, s.k, s.k}};
  if (s.bias) ins.push_back({s.O});
  return Case{
      s.name, OpKind::ConvTranspose2d, a, ins, {s.x[0], s.O, out(s.x[2], 0), out(s.x[3], 1)}};
}

inline std::vector<Case> convTransposeCases() {
  std::vector<CtSpec> specs = {
      {"k3_s1", {1, 3, 5, 6}, 4, 3},
      {"k4_s2_pad1", {2, 3, 5, 4}, 2, 4, 1, {2, 2}, {1, 1, 1, 1}},
      {"k3_s2_asym_pad_outpad", {1, 2, 4, 5}, 3, 3, 1, {2, 2}, {0, 1, 1, 0}, {1, 1}},
      {"k2_s2_outpad_no_pad", {1, 4, 3, 3}, 2, 2, 1, {2, 2}, {0, 0, 0, 0}, {1, 1}, {1, 1}, false},
      {"k3_s3_dilation2", {1, 2, 3, 4}, 2, 3, 1, {3, 2}, {1, 0, 0, 1}, {2, 1}, {2, 1}},
      {"groups2", {2, 4, 4, 4}, 6, 3, 2, {2, 2}, {1, 1, 1, 1}, {1, 1}},
      {"depthwise", {1, 3, 5, 5}, 3, 3, 3, {1, 1}, {1, 1, 1, 1}},
      {"blocked_32ch", {1, 32, 6, 7}, 16, 4, 1, {2, 2}, {1, 1, 1, 1}},
  };
  std::vector<Case> v;
  for (auto& s : specs)
    v.push_back(ctCase(s));
  return v;
}

inline Case logSoftmax(std::string name, Dims x, std::vector<int64_t> axes) {
  Case c{std::move(name), OpKind::LogSoftmax, ReduceAttrs{std::move(axes), false}, {x}, x};
  c.lo = -5.f, c.hi = 5.f;
  return c;
}

inline std::vector<Case> logSoftmaxCases() {
  return {
      logSoftmax("axis1", {2, 5, 3, 4}, {1}),
      logSoftmax("spatial", {2, 3, 4, 5}, {2, 3}),
      logSoftmax("last_axis", {3, 7}, {-1}),
      logSoftmax("channels_and_rows", {2, 3, 4, 5}, {1, 2}),
  };
}

inline std::vector<Case> shuffleCases() {
  return {
      Case{"pixel_shuffle_r2",
           OpKind::PixelShuffle,
           PixelShuffleAttrs{2},
           {{2, 12, 3, 4}},
           {2, 3, 6, 8}},
      Case{"pixel_shuffle_r3",
           OpKind::PixelShuffle,
           PixelShuffleAttrs{3},
           {{1, 9, 2, 3}},
           {1, 1, 6, 9}},
      Case{"pixel_unshuffle_r2",
           OpKind::PixelUnshuffle,
           PixelShuffleAttrs{2},
           {{2, 3, 6, 8}},
           {2, 12, 3, 4}},
  };
}

} // namespace llie::bt::tables
