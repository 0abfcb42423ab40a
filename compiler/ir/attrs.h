// Typed attribute structs, one per op family, held in the `Attrs` variant of every IR node.
// Each struct lists its fields once in `fields(v)`; the printer, the plan (JSON) reader and
// writer, equality for CSE and the DSL keyword binder are all written against that list, so a
// new attribute is one line here. Enums name their values in `EnumNames<E>`.
#pragma once
#include "compiler/ir/types.h"

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace llie {

template <class E> struct EnumNames; // specialised below: static constexpr array `names`

/// Activation (and residual) fused after a conv or matmul; set by fusion passes.
enum class Epilogue : uint8_t { None, Relu, Relu6, Sigmoid, Tanh, LeakyRelu };
template <> struct EnumNames<Epilogue> {
  static constexpr std::array<const char*, 6> names{"none",    "relu", "relu6",
                                                    "sigmoid", "tanh", "leaky_relu"};
};
enum class ResizeMode : uint8_t { Nearest, Bilinear };
template <> struct EnumNames<ResizeMode> {
  static constexpr std::array<const char*, 2> names{"nearest", "bilinear"};
};
enum class PadMode : uint8_t { Zero, Reflect, Replicate };
template <> struct EnumNames<PadMode> {
  static constexpr std::array<const char*, 3> names{"zero", "reflect", "replicate"};
};
/// How a parameter is initialised when no weights file is given (PyTorch's rules).
enum class InitKind : uint8_t { Zeros, Ones, KaimingUniform, UniformFanIn, Normal, Constant };
template <> struct EnumNames<InitKind> {
  static constexpr std::array<const char*, 6> names{"zeros",          "ones",   "kaiming_uniform",
                                                    "uniform_fan_in", "normal", "constant"};
};

struct NoAttrs {
  template <class V> void fields(V&&) {}
  bool operator==(const NoAttrs&) const = default;
};

/// A graph input (an image batch, a target, the step counter).
struct InputAttrs {
  std::string name;
  template <class V> void fields(V&& v) { v("name", name); }
  bool operator==(const InputAttrs&) const = default;
};

/// A learnable parameter or a state tensor, named by its block path
/// ("enc.e1.0.expand.conv.weight"). Initialisation: zeros/ones/constant(value); kaiming_uniform =
/// U(-b, b), b = gain·sqrt(3/fan_in) with gain = sqrt(2/(1+a²)), a = sqrt(5) (PyTorch's conv/linear
/// weight default); uniform_fan_in = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's bias default);
/// normal = N(0, value²).
struct ParamAttrs {
  std::string name;
  InitKind init = InitKind::Zeros;
  int64_t fanIn = 0;
  double value = 0.0;
  template <class V> void fields(V&& v) {
    v("name", name), v("init", init), v("fan_in", fanIn), v("value", value);
  }
  bool operator==(const ParamAttrs&) const = default;
};

/// A constant tensor of the node's declared shape. With `data` empty, every element is `value`
/// (the usual scalar constant, shape []); otherwise `data` holds the row-major values of the
/// declared shape (a Gaussian window, a difference kernel).
struct ConstantAttrs {
  double value = 0.0;
  std::vector<double> data;
  template <class V> void fields(V&& v) { v("value", value), v("data", data); }
  bool operator==(const ConstantAttrs&) const = default;
};

struct LeakyReluAttrs {
  double alpha = 0.01;
  template <class V> void fields(V&& v) { v("alpha", alpha); }
  bool operator==(const LeakyReluAttrs&) const = default;
};

struct ClampAttrs {
  double lo = 0.0, hi = 1.0;
  template <class V> void fields(V&& v) { v("lo", lo), v("hi", hi); }
  bool operator==(const ClampAttrs&) const = default;
};

struct PowScalarAttrs {
  double exponent = 2.0;
  template <class V> void fields(V&& v) { v("exponent", exponent); }
  bool operator==(const PowScalarAttrs&) const = default;
};

/// Stochastic depth / dropout probability; `seed` tells drop_path_train nodes apart (set by the
/// training-mode pass, one per drop_path).
struct DropAttrs {
  double p = 0.1;
  int64_t seed = 0;
  template <class V> void fields(V&& v) { v("p", p), v("seed", seed); }
  bool operator==(const DropAttrs&) const = default;
};

/// 2-D convolution (NCHW input, OIHW weight). pad = {top, bottom, left, right}, so TF-style
/// asymmetric "SAME" padding is representable. The weight may be a parameter or an activation
/// (dynamic-weight conv); `perSample` marks a kernel input of shape [N, C, k, k] applied to each
/// sample separately (DASR's dynamic depthwise conv).
struct Conv2dAttrs {
  std::vector<int64_t> stride{1, 1};
  std::vector<int64_t> pad{0, 0, 0, 0};
  std::vector<int64_t> dilation{1, 1};
  int64_t groups = 1;
  bool perSample = false;
  Epilogue epilogue = Epilogue::None;
  double epilogueAlpha = 0.0; ///< leaky_relu slope when epilogue is leaky_relu
  /// The last input is a residual of the output's shape, added before the epilogue:
  /// y = epilogue(conv(x, w) + bias + residual). Set by the fuse-residual pass only.
  bool residual = false;
  /// A fused depthwise stage (set by the fuse-depthwise pass only): 0 = none, else its stride
  /// (1 or 2). The conv is then 1x1 with bias, and inputs 4 and 5 are a 3x3 depthwise weight
  /// [O, 1, 3, 3] and its bias [O]: y = depthwiseEpilogue(dwconv3x3(epilogue(conv(x) + b),
  /// padding 1) + dw_bias).
  int64_t depthwise = 0;
  Epilogue depthwiseEpilogue = Epilogue::None;
  template <class V> void fields(V&& v) {
    v("stride", stride), v("pad", pad), v("dilation", dilation), v("groups", groups),
        v("per_sample", perSample), v("epilogue", epilogue), v("epilogue_alpha", epilogueAlpha),
        v("residual", residual), v("depthwise", depthwise),
        v("depthwise_epilogue", depthwiseEpilogue);
  }
  bool operator==(const Conv2dAttrs&) const = default;
};

/// Transposed 2-D convolution (weight IOHW as in PyTorch). `outputPadding` adds rows/cols at
/// the bottom/right; a fixed output size is expressed by a following slice.
struct ConvTranspose2dAttrs {
  std::vector<int64_t> stride{1, 1};
  std::vector<int64_t> pad{0, 0, 0, 0};
  std::vector<int64_t> outputPadding{0, 0};
  std::vector<int64_t> dilation{1, 1};
  int64_t groups = 1;
  template <class V> void fields(V&& v) {
    v("stride", stride), v("pad", pad), v("output_padding", outputPadding), v("dilation", dilation),
        v("groups", groups);
  }
  bool operator==(const ConvTranspose2dAttrs&) const = default;
};

/// Batched matrix product over the last two axes, with broadcasting over leading axes.
struct MatMulAttrs {
  bool transA = false, transB = false;
  Epilogue epilogue = Epilogue::None;
  template <class V> void fields(V&& v) {
    v("trans_a", transA), v("trans_b", transB), v("epilogue", epilogue);
  }
  bool operator==(const MatMulAttrs&) const = default;
};

/// BatchNorm / InstanceNorm / LayerNorm / L2-normalise share eps (and momentum for BN training).
/// `channels` (instance norm): normalise only the first `channels` channels (HIN); 0 = all.
struct NormAttrs {
  double eps = 1e-5;
  double momentum = 0.1;
  int64_t axis = 1;
  int64_t channels = 0;
  /// batchnorm, batchnorm_train, batchnorm_grad only: relu or relu6 applied to the output (its
  /// mask to the incoming gradient), set by the fuse-batchnorm-activation training pass.
  Epilogue epilogue = Epilogue::None;
  template <class V> void fields(V&& v) {
    v("eps", eps), v("momentum", momentum), v("axis", axis), v("channels", channels),
        v("epilogue", epilogue);
  }
  bool operator==(const NormAttrs&) const = default;
};

/// Reductions and softmax over a set of axes (negative axes count from the end).
struct ReduceAttrs {
  std::vector<int64_t> axes;
  bool keepdim = false;
  template <class V> void fields(V&& v) { v("axes", axes), v("keepdim", keepdim); }
  bool operator==(const ReduceAttrs&) const = default;
};

/// k-th smallest value over axes (k is 1-based; forward only), e.g. the 40th percentile of gray.
struct KthValueAttrs {
  std::vector<int64_t> axes;
  double fraction = 0.4; ///< k = int(fraction·count − 1) + 1, MBLLEN's convention
  template <class V> void fields(V&& v) { v("axes", axes), v("fraction", fraction); }
  bool operator==(const KthValueAttrs&) const = default;
};

struct Pool2dAttrs {
  std::vector<int64_t> kernel{2, 2};
  std::vector<int64_t> stride{2, 2};
  std::vector<int64_t> pad{0, 0, 0, 0};
  bool ceilMode = false;
  bool countIncludePad = true;
  template <class V> void fields(V&& v) {
    v("kernel", kernel), v("stride", stride), v("pad", pad), v("ceil_mode", ceilMode),
        v("count_include_pad", countIncludePad);
  }
  bool operator==(const Pool2dAttrs&) const = default;
};

/// Resize of the last two axes to an explicit (possibly symbolic) size. PyTorch's
/// interpolate(scale_factor=s) is the size floor(s·H); coordinates follow align_corners.
struct ResizeAttrs {
  ResizeMode mode = ResizeMode::Nearest;
  bool alignCorners = false;
  std::vector<Dim> size; ///< {outH, outW}
  template <class V> void fields(V&& v) {
    v("mode", mode), v("align_corners", alignCorners), v("size", size);
  }
  bool operator==(const ResizeAttrs&) const = default;
};

struct PixelShuffleAttrs {
  int64_t factor = 2;
  template <class V> void fields(V&& v) { v("factor", factor); }
  bool operator==(const PixelShuffleAttrs&) const = default;
};

struct AxisAttrs {
  int64_t axis = 1;
  template <class V> void fields(V&& v) { v("axis", axis); }
  bool operator==(const AxisAttrs&) const = default;
};

/// Slicing one axis: [start, stop) with a positive step; stop may be symbolic (e.g. crop to H).
struct SliceAttrs {
  int64_t axis = 1;
  Dim start = Dim::constant(0);
  Dim stop = Dim::constant(0);
  int64_t step = 1;
  template <class V> void fields(V&& v) {
    v("axis", axis), v("start", start), v("stop", stop), v("step", step);
  }
  bool operator==(const SliceAttrs&) const = default;
};

/// New shape; one dim may be -1 (inferred). Dims may be symbolic.
struct ReshapeAttrs {
  std::vector<Dim> shape;
  template <class V> void fields(V&& v) { v("shape", shape); }
  bool operator==(const ReshapeAttrs&) const = default;
};

struct PermuteAttrs {
  std::vector<int64_t> perm;
  template <class V> void fields(V&& v) { v("perm", perm); }
  bool operator==(const PermuteAttrs&) const = default;
};

/// Padding of the last two axes: pads = {top, bottom, left, right}.
struct PadAttrs {
  PadMode mode = PadMode::Zero;
  std::vector<int64_t> pads{0, 0, 0, 0};
  double value = 0.0;
  template <class V> void fields(V&& v) { v("mode", mode), v("pads", pads), v("value", value); }
  bool operator==(const PadAttrs&) const = default;
};

/// Broadcast to a shape (for repeat/expand of size-1 axes).
struct ExpandAttrs {
  std::vector<Dim> shape;
  template <class V> void fields(V&& v) { v("shape", shape); }
  bool operator==(const ExpandAttrs&) const = default;
};

/// irfft2 needs the real output size of the last two axes.
struct FftAttrs {
  std::vector<Dim> size;
  template <class V> void fields(V&& v) { v("size", size); }
  bool operator==(const FftAttrs&) const = default;
};

/// Pointwise losses, reduced by mean to a scalar. beta: SmoothL1; delta: Huber.
struct LossAttrs {
  double beta = 1.0;
  template <class V> void fields(V&& v) { v("beta", beta); }
  bool operator==(const LossAttrs&) const = default;
};

/// Classification losses over `axis` (classes): label smoothing for CE, temperature for KL.
struct ClassLossAttrs {
  int64_t axis = 1;
  double labelSmoothing = 0.0;
  double temperature = 1.0;
  template <class V> void fields(V&& v) {
    v("axis", axis), v("label_smoothing", labelSmoothing), v("temperature", temperature);
  }
  bool operator==(const ClassLossAttrs&) const = default;
};

/// The gradient of a unary op: `op` is its DSL name; alpha/beta carry its parameters
/// (leaky_relu's slope, pow_scalar's exponent, clamp's lo and hi).
struct UnaryGradAttrs {
  std::string op;
  double alpha = 0.0, beta = 0.0;
  template <class V> void fields(V&& v) { v("op", op), v("alpha", alpha), v("beta", beta); }
  bool operator==(const UnaryGradAttrs&) const = default;
};

/// The gradient of a reduction: broadcast back to `shape` (the reduced input's).
struct ReduceGradAttrs {
  std::vector<int64_t> axes;
  bool keepdim = false;
  bool mean = false;
  std::vector<Dim> shape;
  template <class V> void fields(V&& v) {
    v("axes", axes), v("keepdim", keepdim), v("mean", mean), v("shape", shape);
  }
  bool operator==(const ReduceGradAttrs&) const = default;
};

/// The gradient of a pointwise loss with respect to its first input.
struct LossGradAttrs {
  std::string op;
  double beta = 1.0;
  template <class V> void fields(V&& v) { v("op", op), v("beta", beta); }
  bool operator==(const LossGradAttrs&) const = default;
};

/// The gradient of cross_entropy or kl_div (`op`, its DSL name) with respect to the logits;
/// the other fields are the forward op's ClassLossAttrs.
struct ClassLossGradAttrs {
  std::string op;
  int64_t axis = 1;
  double labelSmoothing = 0.0;
  double temperature = 1.0;
  template <class V> void fields(V&& v) {
    v("op", op), v("axis", axis), v("label_smoothing", labelSmoothing),
        v("temperature", temperature);
  }
  bool operator==(const ClassLossGradAttrs&) const = default;
};

/// PyTorch's SGD: d = g + wd·p; buf = momentum·buf + (1−dampening)·d (buf = d on the first
/// step); d = d + momentum·buf (Nesterov) or buf; p -= lr·d.
struct SgdAttrs {
  double momentum = 0.0, dampening = 0.0, weightDecay = 0.0;
  bool nesterov = false;
  template <class V> void fields(V&& v) {
    v("momentum", momentum), v("dampening", dampening), v("weight_decay", weightDecay),
        v("nesterov", nesterov);
  }
  bool operator==(const SgdAttrs&) const = default;
};

/// PyTorch's Adam (decoupled = false: g += wd·p) and AdamW (decoupled: p *= 1 − lr·wd).
struct AdamAttrs {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.0;
  bool decoupled = false;
  template <class V> void fields(V&& v) {
    v("beta1", beta1), v("beta2", beta2), v("eps", eps), v("weight_decay", weightDecay),
        v("decoupled", decoupled);
  }
  bool operator==(const AdamAttrs&) const = default;
};

/// A fused elementwise chain: its statements over the node's inputs (see ops.def and
/// compiler/ops/fused_expr.h).
struct FusedElementwiseAttrs {
  std::string expr;
  template <class V> void fields(V&& v) { v("expr", expr); }
  bool operator==(const FusedElementwiseAttrs&) const = default;
};

using Attrs =
    std::variant<NoAttrs, InputAttrs, ParamAttrs, ConstantAttrs, LeakyReluAttrs, ClampAttrs,
                 DropAttrs, PowScalarAttrs, Conv2dAttrs, ConvTranspose2dAttrs, MatMulAttrs,
                 NormAttrs, ReduceAttrs, KthValueAttrs, Pool2dAttrs, ResizeAttrs, PixelShuffleAttrs,
                 AxisAttrs, SliceAttrs, ReshapeAttrs, PermuteAttrs, PadAttrs, ExpandAttrs, FftAttrs,
                 LossAttrs, ClassLossAttrs, UnaryGradAttrs, ReduceGradAttrs, LossGradAttrs,
                 SgdAttrs, AdamAttrs, ClassLossGradAttrs, FusedElementwiseAttrs>;

} // namespace llie
