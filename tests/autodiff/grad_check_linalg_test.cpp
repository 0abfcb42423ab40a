// Finite-difference checks of the gradient rules of matmul (plain, either operand transposed,
// batch broadcasting, bias), conv_transpose2d (stride 2, asymmetric padding, output_padding,
// bias, dilation, groups), log_softmax over several axes and pixel_shuffle / pixel_unshuffle
// (harness: grad_check.h). The gradients run on the cpu kernels of the forward ops and of the
// ops their rules emit (matmul, conv2d, conv2d_grad_weight, reductions, the shuffles).
#include "tests/autodiff/grad_check.h"

namespace llie::gradcheck {
namespace {

Case matmul(std::string name, Dims a, Dims b, bool ta, bool tb, Dims bias = {}) {
  return {"matmul_" + name, OpKind::MatMul, [=](GC& c) {
            std::vector<ValueId> ins{c.param(a), c.param(b)};
            if (!bias.empty()) ins.push_back(c.param(bias));
            return c.op(OpKind::MatMul, MatMulAttrs{ta, tb}, ins);
          }};
}

ConvTranspose2dAttrs convT(std::vector<int64_t> stride, std::vector<int64_t> pad,
                           std::vector<int64_t> outPad, int64_t groups = 1,
                           std::vector<int64_t> dil = {1, 1}) {
  ConvTranspose2dAttrs a;
  a.stride = stride, a.pad = pad, a.outputPadding = outPad, a.groups = groups, a.dilation = dil;
  return a;
}

std::vector<Case> linalgCases() {
  std::vector<Case> v;
  v.push_back(matmul("plain", {3, 4}, {4, 5}, false, false));
  v.push_back(matmul("trans_a", {4, 3}, {4, 5}, true, false));
  v.push_back(matmul("trans_b", {3, 4}, {5, 4}, false, true));
  v.push_back(matmul("trans_both_batched", {2, 4, 3}, {2, 5, 4}, true, true));
  v.push_back(matmul("batch_broadcast", {2, 3, 4}, {4, 5}, false, false));
  v.push_back(matmul("batch_broadcast_lhs", {2, 1, 3, 4}, {3, 4, 5}, false, false));
  v.push_back(matmul("linear_bias", {2, 3, 4}, {5, 4}, false, true, {5}));
  v.push_back({"conv_transpose2d_stride2_asym_pad_outpad_bias", OpKind::ConvTranspose2d, [](GC& c) {
                 return c.op(OpKind::ConvTranspose2d, convT({2, 2}, {0, 1, 1, 0}, {1, 1}),
                             {c.param({2, 3, 4, 5}), c.param({3, 2, 3, 3}), c.param({2})});
               }});
  v.push_back({"conv_transpose2d_dilation_groups", OpKind::ConvTranspose2d, [](GC& c) {
                 return c.op(OpKind::ConvTranspose2d,
                             convT({2, 1}, {1, 1, 0, 1}, {1, 0}, 2, {1, 2}),
                             {c.param({1, 4, 3, 4}), c.param({4, 3, 3, 2}), c.param({6})});
               }});
  v.push_back({"log_softmax_multi_axis", OpKind::LogSoftmax, [](GC& c) {
                 return c.op(OpKind::LogSoftmax, ReduceAttrs{{2, 3}, false},
                             {c.param({2, 3, 4, 5}, {-2, 2})});
               }});
  v.push_back(
      {"log_softmax_channels", OpKind::LogSoftmax, [](GC& c) {
         return c.op(OpKind::LogSoftmax, ReduceAttrs{{1}, false}, {c.param({2, 5, 3}, {-2, 2})});
       }});
  v.push_back({"pixel_shuffle_r2", OpKind::PixelShuffle, [](GC& c) {
                 return c.op(OpKind::PixelShuffle, PixelShuffleAttrs{2}, {c.param({2, 8, 3, 3})});
               }});
  v.push_back({"pixel_unshuffle_r2", OpKind::PixelUnshuffle, [](GC& c) {
                 return c.op(OpKind::PixelUnshuffle, PixelShuffleAttrs{2}, {c.param({2, 2, 4, 6})});
               }});
  return v;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(Linalg, GradCheck, ::testing::ValuesIn(registerGradCases(linalgCases())),
                         caseName);

} // namespace llie::gradcheck
