// cuda-vs-cpu cases for the cuDNN convolution family: conv2d forward (bias or not, stride,
// symmetric and asymmetric padding, dilation, groups, depthwise, every fused epilogue, a fused
// residual) and both of its gradients, conv2d_grad_input and conv2d_grad_weight, over the same
// geometries; and conv_transpose2d (stride, symmetric and asymmetric padding, output padding,
// dilation, groups, depthwise, bias or not): the cpu-vs-reference table's
// (tests/backends/linalg_case_tables.h) and a decoder-sized one.
#include "tests/backends/linalg_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

#include <tuple>

namespace llie::bt {
namespace {

struct ConvSpec {
  std::string name;
  Dims x; // N C H W
  int64_t O, kh, kw;
  int64_t groups = 1;
  std::vector<int64_t> stride{1, 1}, pad{0, 0, 0, 0}, dil{1, 1};
  bool bias = true;
  Epilogue epi = Epilogue::None;
  double alpha = 0.0;
};

Conv2dAttrs attrsOf(const ConvSpec& s) {
  Conv2dAttrs a;
  a.stride = s.stride;
  a.pad = s.pad;
  a.dilation = s.dil;
  a.groups = s.groups;
  a.epilogue = s.epi;
  a.epilogueAlpha = s.alpha;
  return a;
}

Dims yShape(const ConvSpec& s) {
  return {s.x[0], s.O, convOut(s.x[2], s.kh, s.stride[0], s.pad[0], s.pad[1], s.dil[0]),
          convOut(s.x[3], s.kw, s.stride[1], s.pad[2], s.pad[3], s.dil[1])};
}
Dims wShape(const ConvSpec& s) {
  return {s.O, s.x[1] / s.groups, s.kh, s.kw};
}

std::vector<ConvSpec> specs() {
  return {
      {"k3_pad1_odd", {1, 3, 7, 13}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"k3_nobias", {1, 3, 7, 13}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}, {1, 1}, false},
      {"k3_stride2", {2, 4, 9, 11}, 6, 3, 3, 1, {2, 2}, {1, 1, 1, 1}},
      {"k3_stride2_nopad", {1, 5, 10, 9}, 7, 3, 3, 1, {2, 2}},
      {"k3_dilation2", {1, 4, 12, 10}, 5, 3, 3, 1, {1, 1}, {2, 2, 2, 2}, {2, 2}},
      {"asym_pad", {1, 3, 8, 8}, 4, 3, 3, 1, {2, 2}, {0, 1, 1, 2}},
      {"asym_pad_same_tf", {1, 6, 9, 10}, 6, 4, 4, 1, {1, 1}, {1, 2, 1, 2}},
      {"rect_kernel_stride", {1, 3, 11, 14}, 5, 1, 5, 1, {1, 2}, {0, 0, 2, 2}},
      {"groups2", {1, 8, 6, 7}, 6, 3, 3, 2, {1, 1}, {1, 1, 1, 1}},
      {"groups4_stride2", {2, 16, 9, 9}, 16, 3, 3, 4, {2, 2}, {1, 1, 1, 1}},
      {"depthwise", {1, 16, 9, 9}, 16, 3, 3, 16, {1, 1}, {1, 1, 1, 1}},
      {"pointwise_image", {1, 32, 30, 20}, 16, 1, 1},
      {"wide_k3", {2, 32, 16, 16}, 64, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
  };
}

std::vector<GpuCase> forwardCases() {
  std::vector<GpuCase> r;
  for (const ConvSpec& s : specs()) {
    std::vector<Dims> ins{s.x, wShape(s)};
    if (s.bias) ins.push_back({s.O});
    r.push_back(GpuCase{s.name, OpKind::Conv2d, attrsOf(s), ins, {yShape(s)}});
  }
  struct EpiCase {
    const char* name;
    Epilogue e;
    double alpha;
  };
  for (auto [name, e, alpha] :
       {EpiCase{"epi_relu", Epilogue::Relu, 0.0}, EpiCase{"epi_relu6", Epilogue::Relu6, 0.0},
        EpiCase{"epi_sigmoid", Epilogue::Sigmoid, 0.0}, EpiCase{"epi_tanh", Epilogue::Tanh, 0.0},
        EpiCase{"epi_leaky_relu", Epilogue::LeakyRelu, 0.2}}) {
    ConvSpec s{name, {1, 4, 9, 8}, 6, 3, 3, 1, {1, 1}, {1, 1, 1, 1}};
    s.epi = e, s.alpha = alpha;
    r.push_back(GpuCase{s.name, OpKind::Conv2d, attrsOf(s), {s.x, wShape(s), {s.O}}, {yShape(s)}});
  }
  // A fused residual (the last input), with and without a bias, then an epilogue after it.
  for (auto [name, bias, e] : {std::tuple{"residual", true, Epilogue::None},
                               std::tuple{"residual_nobias", false, Epilogue::None},
                               std::tuple{"residual_relu", true, Epilogue::Relu}}) {
    ConvSpec s{name, {2, 8, 9, 8}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}};
    s.epi = e;
    Conv2dAttrs a = attrsOf(s);
    a.residual = true;
    std::vector<Dims> ins{s.x, wShape(s)};
    if (bias) ins.push_back({s.O});
    ins.push_back(yShape(s));
    r.push_back(GpuCase{s.name, OpKind::Conv2d, a, ins, {yShape(s)}});
  }
  return r;
}

std::vector<GpuCase> gradCases() {
  std::vector<GpuCase> r;
  for (const ConvSpec& s : specs()) {
    std::vector<Dims> ins{s.x, wShape(s), yShape(s)};
    r.push_back(GpuCase{"grad_input_" + s.name, OpKind::Conv2dGradInput, attrsOf(s), ins, {s.x}});
    r.push_back(
        GpuCase{"grad_weight_" + s.name, OpKind::Conv2dGradWeight, attrsOf(s), ins, {wShape(s)}});
  }
  return r;
}

/// The cpu-vs-reference table's conv_transpose2d cases and a decoder-sized one.
std::vector<GpuCase> transposeCases() {
  std::vector<Case> cases = tables::convTransposeCases();
  cases.push_back(
      tables::ctCase({"decoder_like", {2, 32, 16, 16}, 16, 4, 1, {2, 2}, {1, 1, 1, 1}}));
  std::vector<GpuCase> r = fromCpuCases(cases);
  for (GpuCase& c : r)
    c.name = "transpose_" + c.name;
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaConvTranspose2d, CudaMatchesCpu, ::testing::ValuesIn(transposeCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaConv2d, CudaMatchesCpu, ::testing::ValuesIn(forwardCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaConv2dGrad, CudaMatchesCpu, ::testing::ValuesIn(gradCases()),
                         gpuCaseName);

} // namespace llie::bt
