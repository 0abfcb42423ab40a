// Tests of the spatial training kernels: conv2d_grad_input / conv2d_grad_weight, batchnorm_train /
// batchnorm_grad, max/avg_pool2d_grad, resize_grad, pad_grad and slice_grad.
//  (a) GradKernelsRef.*: the reference kernels against the reference FORWARD ops. Linear maps
//      (conv in x and in w, average pooling, resize, pad, slice) by the exact adjoint identity
//      <f(x) − f(0), r> = <x, grad(x, dy=r)> in double; max pooling by central finite differences
//      of L = Σ r·f(x) on tie-free inputs (and the same identity, max pooling being locally
//      linear); batchnorm_train against a double formula written here, batchnorm_grad by finite
//      differences of batchnorm_train's y in x, gamma and beta.
//  (b) GradKernelsCpuVsRef.*: the cpu kernels against the reference on every output, on odd
//      sizes, stride 2, asymmetric padding, dilation 2, groups 2, depthwise, 1x1, batch 2-4,
//      ceil_mode and both count_include_pad, nearest and bilinear both ways, every pad mode;
//      the conv gradients also on the Winograd path (big 3x3 cases, checked to take it).
//  Plus GradKernels.*: refusals and PyTorch's max-pool tie rule on both backends.
// Nodes get their output types from the ops' shape rules (compiler/ops/shape_rules.cpp).
#include "backends/cpu/layout.h"
#include "compiler/ops/shape_rules.h"
#include "tests/backends/backend_test_util.h"

#include <algorithm>
#include <numeric>

namespace llie::bt {
namespace {

// ---- one-node graphs, run repeatedly -----------------------------------------------------------

struct Built {
  Graph g;
  NodeId node = -1;
  std::string error;
  const Node& n() const { return g.nodes[node]; }
};

/// A node of `op` over Input nodes of the given shapes; its output types come from the shape
/// rule unless `outs` gives them.
Built build(OpKind op, const Attrs& a, const std::vector<Dims>& ins,
            const std::vector<Dims>& outs = {}) {
  Built b;
  std::vector<ValueId> vs;
  std::vector<TensorType> types;
  for (size_t i = 0; i < ins.size(); ++i) {
    types.push_back(f32(ins[i]));
    vs.push_back(b.g.add(OpKind::Input, InputAttrs{"in" + std::to_string(i)}, {}, f32(ins[i])));
  }
  std::vector<TensorType> outTypes;
  if (outs.empty()) {
    auto inferred = inferTypes(op, a, types, b.g.symbols);
    if (!inferred.ok()) {
      b.error = inferred.status().message();
      return b;
    }
    outTypes = *inferred;
  } else {
    for (const Dims& d : outs)
      outTypes.push_back(f32(d));
  }
  b.node = b.g.addNode(op, a, vs, outTypes);
  return b;
}

Dims shapeOf(const Graph& g, ValueId v) {
  Dims s;
  for (const Dim& d : g.type(v).shape)
    s.push_back(d.off);
  return s;
}

/// The forward's first output shape, from its shape rule.
Dims fwdShape(OpKind op, const Attrs& a, const std::vector<Dims>& ins) {
  Built b = build(op, a, ins);
  EXPECT_TRUE(b.error.empty()) << b.error;
  return b.error.empty() ? shapeOf(b.g, b.n().outputs[0]) : Dims{};
}

/// A node prepared once on one backend, run on any inputs; every output comes back.
struct Runner {
  Built b;
  std::unique_ptr<Backend> be;
  std::unique_ptr<Kernel> k;
  std::string error;

  Runner(const std::string& backend, Built built) : b(std::move(built)) {
    if (!b.error.empty()) {
      error = "shape rule: " + b.error;
      return;
    }
    auto e = createBackend(backend);
    if (!e.ok()) {
      error = e.status().message();
      return;
    }
    be = std::move(*e);
    auto kk = be->prepare(b.g, b.n());
    if (!kk.ok()) {
      error = kk.status().message();
      return;
    }
    k = std::move(*kk);
  }
  bool ok() const { return error.empty(); }
  Dims outShape(size_t i = 0) const { return shapeOf(b.g, b.n().outputs[i]); }

  std::vector<HostTensor> operator()(const std::vector<HostTensor>& in) {
    Buffers buf(*be);
    upload(buf, b.g, b.n(), in);
    k->run(buf.inPtrs(), buf.outPtrs());
    be->synchronize();
    std::vector<HostTensor> r;
    for (const Tensor& t : buf.outs)
      r.push_back(download(*be, t));
    return r;
  }
};

double dot(const HostTensor& a, const HostTensor& b) {
  EXPECT_EQ(a.shape, b.shape);
  double s = 0;
  for (int64_t i = 0; i < a.numel() && i < b.numel(); ++i)
    s += static_cast<double>(a.f32()[i]) * b.f32()[i];
  return s;
}

double maxAbs(const HostTensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    m = std::max(m, std::fabs(static_cast<double>(t.f32()[i])));
  return m;
}

HostTensor zerosLike(const HostTensor& t) {
  HostTensor z(t.shape);
  std::fill(z.f32(), z.f32() + z.numel(), 0.f);
  return z;
}

/// The adjoint identity of a map linear (or affine) in input `which` of the forward: with r
/// random, <f(x) − f(x with input `which` zeroed), r> against <x_which, grad(inputs..., r)>, both
/// in double, within 1e-5 relative. The gradient node takes the forward's inputs and then dy.
void expectAdjoint(const std::string& what, OpKind fwdOp, OpKind gradOp, const Attrs& a,
                   const std::vector<Dims>& ins, size_t which, std::mt19937& rng, float lo = -2.f,
                   float hi = 2.f) {
  SCOPED_TRACE(what);
  Runner fwd("reference", build(fwdOp, a, ins));
  ASSERT_TRUE(fwd.ok()) << fwd.error;
  std::vector<Dims> gins = ins;
  gins.push_back(fwd.outShape());
  Runner grad("reference", build(gradOp, a, gins));
  ASSERT_TRUE(grad.ok()) << grad.error;
  ASSERT_EQ(grad.outShape(), ins[which]);
  for (int round = 0; round < 2; ++round) {
    std::vector<HostTensor> in;
    for (const Dims& d : ins)
      in.push_back(randomTensor(d, rng, lo, hi));
    HostTensor r = randomTensor(fwd.outShape(), rng, -1.f, 1.f);
    HostTensor y = fwd(in)[0];
    std::vector<HostTensor> in0 = in;
    in0[which] = zerosLike(in[which]);
    HostTensor y0 = fwd(in0)[0];
    double lhs = dot(y, r) - dot(y0, r);
    std::vector<HostTensor> gin = in;
    gin.push_back(r);
    double rhs = dot(in[which], grad(gin)[0]);
    EXPECT_NEAR(lhs, rhs, 1e-5 * std::max(std::fabs(lhs), std::fabs(rhs)) + 1e-9)
        << "round " << round;
    EXPECT_GT(std::fabs(lhs), 1e-3) << "degenerate case: the identity tests nothing";
  }
}

/// Central finite differences of L = Σ r·out[outIndex] in every element of input `which`,
/// against `analytic`: |fd − an| <= rtol·max(|an|, 0.1·max|an|) + 1e-6.
void expectFiniteDifferences(Runner& fwd, const std::vector<HostTensor>& in, size_t which,
                             size_t outIndex, const HostTensor& r, const HostTensor& analytic,
                             double eps, double rtol = 1e-2) {
  ASSERT_EQ(analytic.shape, in[which].shape);
  double floor = 0.1 * maxAbs(analytic);
  std::vector<HostTensor> probe = in;
  int bad = 0;
  for (int64_t i = 0; i < in[which].numel(); ++i) {
    float x0 = in[which].f32()[i];
    probe[which].f32()[i] = static_cast<float>(x0 + eps);
    double lp = dot(fwd(probe)[outIndex], r);
    probe[which].f32()[i] = static_cast<float>(x0 - eps);
    double lm = dot(fwd(probe)[outIndex], r);
    probe[which].f32()[i] = x0;
    // The step actually taken, after rounding x0 ± eps to float.
    double step = static_cast<double>(static_cast<float>(x0 + eps)) -
                  static_cast<double>(static_cast<float>(x0 - eps));
    double fd = (lp - lm) / step, an = analytic.f32()[i];
    if (std::fabs(fd - an) > rtol * std::max(std::fabs(an), floor) + 1e-6 && bad++ < 5)
      ADD_FAILURE() << "input " << which << " element " << i << ": finite difference " << fd
                    << ", gradient " << an;
  }
  EXPECT_EQ(bad, 0) << "elements off";
}

// ---- the shapes -----------------------------------------------------------------------------

struct ConvSpec {
  std::string name;
  Dims x; // N C H W
  int64_t O, kh, kw;
  int64_t groups = 1;
  std::vector<int64_t> stride{1, 1}, pad{0, 0, 0, 0}, dil{1, 1};
};

Conv2dAttrs convAttrs(const ConvSpec& s) {
  Conv2dAttrs a;
  a.stride = s.stride;
  a.pad = s.pad;
  a.dilation = s.dil;
  a.groups = s.groups;
  return a;
}
Dims convWeight(const ConvSpec& s) {
  return {s.O, s.x[1] / s.groups, s.kh, s.kw};
}

std::vector<ConvSpec> convSpecs() {
  return {
      {"k3_pad1_odd", {2, 3, 7, 13}, 8, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"k3_stride2", {2, 4, 9, 11}, 6, 3, 3, 1, {2, 2}, {1, 1, 1, 1}},
      {"k3_stride2_nopad_b3", {3, 5, 10, 9}, 7, 3, 3, 1, {2, 2}},
      {"asym_pad_s2", {3, 3, 8, 8}, 4, 3, 3, 1, {2, 2}, {0, 1, 1, 2}},
      {"asym_pad_k4", {2, 6, 9, 10}, 6, 4, 4, 1, {1, 1}, {1, 2, 1, 2}},
      {"dilation2", {2, 4, 12, 10}, 5, 3, 3, 1, {1, 1}, {2, 2, 2, 2}, {2, 2}},
      {"dilation2_stride2_asym", {2, 4, 13, 12}, 6, 3, 3, 1, {2, 2}, {2, 1, 0, 2}, {2, 2}},
      {"rect_kernel_stride", {2, 3, 11, 14}, 5, 1, 5, 1, {1, 2}, {0, 0, 2, 2}},
      {"groups2", {2, 8, 6, 7}, 6, 3, 3, 2, {1, 1}, {1, 1, 1, 1}},
      {"groups2_stride2_b4", {4, 6, 9, 7}, 4, 3, 3, 2, {2, 2}, {1, 0, 1, 0}},
      {"depthwise", {2, 16, 9, 9}, 16, 3, 3, 16, {1, 1}, {1, 1, 1, 1}},
      {"depthwise_stride2_odd", {2, 24, 15, 13}, 24, 3, 3, 24, {2, 2}, {1, 1, 1, 1}},
      {"depthwise_mult2", {2, 8, 7, 7}, 16, 3, 3, 8, {1, 1}, {1, 1, 1, 1}},
      {"depthwise_k5_dil2", {2, 8, 14, 11}, 8, 5, 5, 8, {1, 1}, {4, 4, 4, 4}, {2, 2}},
      {"pointwise_b4", {4, 16, 5, 5}, 24, 1, 1},
      {"pointwise_stride2", {2, 8, 7, 9}, 8, 1, 1, 1, {2, 2}}, // odd pixels get no gradient
      {"k2_stride3_gaps", {2, 3, 11, 10}, 4, 2, 2, 1, {3, 3}, {0, 1, 1, 0}},
      {"one_pixel_k3_pad1", {2, 3, 1, 1}, 4, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"blocked_32ch", {2, 32, 11, 9}, 32, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
      {"blocked_16to48_s2", {2, 16, 12, 15}, 48, 3, 3, 1, {2, 2}, {1, 1, 1, 1}},
  };
}

struct PoolSpec {
  std::string name;
  Dims x;
  std::vector<int64_t> kernel, stride, pad{0, 0, 0, 0};
  bool ceil = false, includePad = true;
};

Pool2dAttrs poolAttrs(const PoolSpec& s) {
  Pool2dAttrs a;
  a.kernel = s.kernel;
  a.stride = s.stride;
  a.pad = s.pad;
  a.ceilMode = s.ceil;
  a.countIncludePad = s.includePad;
  return a;
}

std::vector<PoolSpec> poolSpecs() {
  return {
      {"k2s2", {2, 3, 8, 8}, {2, 2}, {2, 2}},
      {"k3s2_pad1_odd", {2, 3, 9, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}},
      {"k3s2_pad1_excl", {2, 3, 9, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, false, false},
      {"k3s1_overlap", {3, 2, 6, 7}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {"ceil", {1, 4, 7, 9}, {3, 3}, {2, 2}, {0, 0, 0, 0}, true},
      {"ceil_pad_incl", {2, 3, 10, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true, true},
      {"ceil_pad_excl", {2, 3, 10, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true, false},
      {"ceil_k2s2_odd", {4, 2, 5, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}, true},
      {"asym_pad", {2, 2, 9, 8}, {3, 3}, {2, 2}, {0, 1, 1, 0}},
      {"rect_k1x3_s1x2", {2, 3, 6, 11}, {1, 3}, {1, 2}, {0, 0, 1, 1}},
      {"k3s3_gapless", {2, 2, 9, 9}, {3, 3}, {3, 3}},
  };
}

struct ResizeSpec {
  std::string name;
  Dims x;
  int64_t oh, ow;
  ResizeMode mode;
  bool ac = false;
};

ResizeAttrs resizeAttrs(const ResizeSpec& s) {
  ResizeAttrs a;
  a.mode = s.mode;
  a.alignCorners = s.ac;
  a.size = {Dim::constant(s.oh), Dim::constant(s.ow)};
  return a;
}

std::vector<ResizeSpec> resizeSpecs() {
  auto N = ResizeMode::Nearest, B = ResizeMode::Bilinear;
  return {
      {"nearest_up2", {2, 3, 5, 7}, 10, 14, N},
      {"nearest_down", {2, 3, 13, 11}, 5, 4, N},
      {"nearest_odd_ratio", {1, 2, 5, 7}, 8, 11, N},
      {"nearest_rank3", {3, 6, 5}, 4, 9, N},
      {"bilinear_up2", {2, 3, 5, 7}, 10, 14, B},
      {"bilinear_down", {2, 3, 13, 11}, 5, 4, B},
      {"bilinear_odd_ratio", {1, 2, 5, 7}, 8, 11, B},
      {"bilinear_ac_up", {2, 3, 5, 7}, 9, 13, B, true},
      {"bilinear_ac_down", {2, 3, 13, 11}, 5, 4, B, true},
      {"bilinear_ac_to_one", {1, 2, 5, 5}, 1, 3, B, true},
      {"bilinear_same_size", {1, 2, 4, 6}, 4, 6, B},
      {"bilinear_from_one", {1, 2, 1, 3}, 4, 5, B},
  };
}

struct PadSpec {
  std::string name;
  Dims x;
  std::vector<int64_t> pads;
  PadMode mode;
  double value = 0.0;
};

PadAttrs padAttrs(const PadSpec& s) {
  PadAttrs a;
  a.mode = s.mode;
  a.pads = s.pads;
  a.value = s.value;
  return a;
}

std::vector<PadSpec> padSpecs() {
  return {
      {"zero", {2, 3, 5, 6}, {1, 2, 3, 0}, PadMode::Zero},
      {"zero_value", {2, 3, 5, 6}, {2, 0, 1, 1}, PadMode::Zero, 0.5},
      {"reflect", {2, 3, 5, 6}, {2, 1, 3, 4}, PadMode::Reflect},
      {"reflect_max", {1, 2, 4, 5}, {3, 3, 4, 4}, PadMode::Reflect},
      {"replicate", {2, 2, 3, 4}, {5, 2, 0, 6}, PadMode::Replicate},
      {"replicate_rank3", {3, 5, 6}, {1, 1, 2, 2}, PadMode::Replicate},
      {"reflect_rank2", {5, 6}, {1, 3, 2, 0}, PadMode::Reflect},
  };
}

struct SliceSpec {
  std::string name;
  Dims x;
  int64_t axis, start, stop, step;
};

SliceAttrs sliceAttrs(const SliceSpec& s) {
  SliceAttrs a;
  a.axis = s.axis;
  a.start = Dim::constant(s.start);
  a.stop = Dim::constant(s.stop);
  a.step = s.step;
  return a;
}

std::vector<SliceSpec> sliceSpecs() {
  return {
      {"axis1", {2, 8, 5, 5}, 1, 2, 6, 1},
      {"last_step3", {2, 3, 4, 11}, -1, 1, 10, 3},
      {"axis0_step2", {5, 3, 4}, 0, 1, 5, 2},
      {"h_step2_to_end", {2, 3, 9, 4}, 2, 0, 9, 2},
  };
}

// ---- (a) the reference kernels against the reference forward ops ------------------------------

TEST(GradKernelsRef, Conv2dGradsAreTheAdjointsOfConv2d) {
  std::mt19937 rng(11);
  for (const ConvSpec& s : convSpecs()) {
    std::vector<Dims> ins{s.x, convWeight(s)};
    expectAdjoint(s.name + " grad_input", OpKind::Conv2d, OpKind::Conv2dGradInput, convAttrs(s),
                  ins, 0, rng);
    expectAdjoint(s.name + " grad_weight", OpKind::Conv2d, OpKind::Conv2dGradWeight, convAttrs(s),
                  ins, 1, rng);
  }
}

TEST(GradKernelsRef, AvgPoolGradIsTheAdjointOfAvgPool) {
  std::mt19937 rng(12);
  for (const PoolSpec& s : poolSpecs())
    expectAdjoint(s.name, OpKind::AvgPool2d, OpKind::AvgPool2dGrad, poolAttrs(s), {s.x}, 0, rng);
}

/// x: the values −2 .. 2 in steps of 4/n, shuffled (no ties, gaps of 4/n).
HostTensor distinctValues(const Dims& shape, std::mt19937& rng) {
  HostTensor t(shape);
  std::vector<int64_t> perm(t.numel());
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  double step = 4.0 / static_cast<double>(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = static_cast<float>(-2.0 + step * perm[i]);
  return t;
}

TEST(GradKernelsRef, MaxPoolGradMatchesFiniteDifferences) {
  std::mt19937 rng(13);
  for (const PoolSpec& s : poolSpecs()) {
    SCOPED_TRACE(s.name);
    Pool2dAttrs a = poolAttrs(s);
    Runner fwd("reference", build(OpKind::MaxPool2d, a, {s.x}));
    ASSERT_TRUE(fwd.ok()) << fwd.error;
    Runner grad("reference", build(OpKind::MaxPool2dGrad, a, {s.x, fwd.outShape()}));
    ASSERT_TRUE(grad.ok()) << grad.error;
    HostTensor x = distinctValues(s.x, rng);
    HostTensor r = randomTensor(fwd.outShape(), rng, -1.f, 1.f);
    HostTensor dx = grad({x, r})[0];
    double eps = 1.0 / static_cast<double>(x.numel()); // a quarter of the gap between values
    expectFiniteDifferences(fwd, {x}, 0, 0, r, dx, eps);
    // Locally linear (a selection): <f(x), r> = <x, grad(x, r)> exactly.
    double lhs = dot(fwd({x})[0], r), rhs = dot(x, dx);
    EXPECT_NEAR(lhs, rhs, 1e-5 * std::fabs(lhs) + 1e-9);
  }
}

TEST(GradKernelsRef, ResizeGradIsTheAdjointOfResize) {
  std::mt19937 rng(14);
  for (const ResizeSpec& s : resizeSpecs())
    expectAdjoint(s.name, OpKind::Resize, OpKind::ResizeGrad, resizeAttrs(s), {s.x}, 0, rng);
}

TEST(GradKernelsRef, PadGradIsTheAdjointOfPad) {
  std::mt19937 rng(15);
  for (const PadSpec& s : padSpecs())
    expectAdjoint(s.name, OpKind::Pad, OpKind::PadGrad, padAttrs(s), {s.x}, 0, rng);
}

TEST(GradKernelsRef, SliceGradIsTheAdjointOfSlice) {
  std::mt19937 rng(16);
  for (const SliceSpec& s : sliceSpecs())
    expectAdjoint(s.name, OpKind::Slice, OpKind::SliceGrad, sliceAttrs(s), {s.x}, 0, rng);
}

struct BnSpec {
  std::string name;
  Dims x;
  int64_t axis = 1;
};

std::vector<BnSpec> bnSmallSpecs() {
  return {{"nchw", {3, 4, 3, 2}},
          {"rank2", {6, 3}},
          {"rank3", {2, 3, 5}},
          {"axis_last", {2, 3, 4}, -1}};
}

int64_t channelsOf(const BnSpec& s) {
  return s.x[s.axis < 0 ? s.axis + static_cast<int64_t>(s.x.size()) : s.axis];
}

NormAttrs bnAttrs(const BnSpec& s) {
  NormAttrs a;
  a.axis = s.axis;
  a.eps = 1e-3;
  a.momentum = 0.3;
  return a;
}

/// batchnorm_train / batchnorm_grad nodes with explicit output types (the shape rules read the
/// channel at axis 1; the kernels honour NormAttrs.axis as the inference kernels do).
Built bnTrainNode(const BnSpec& s) {
  Dims c{channelsOf(s)};
  return build(OpKind::BatchNormTrain, bnAttrs(s), {s.x, c, c, c, c}, {s.x, c, c, c, c});
}
Built bnGradNode(const BnSpec& s) {
  Dims c{channelsOf(s)};
  return build(OpKind::BatchNormGrad, bnAttrs(s), {s.x, c, c, c, s.x}, {s.x, c, c});
}

std::vector<HostTensor> bnTrainInputs(const BnSpec& s, std::mt19937& rng) {
  Dims c{channelsOf(s)};
  return {randomTensor(s.x, rng, -2.f, 2.f), randomTensor(c, rng, 0.5f, 2.f),
          randomTensor(c, rng, -1.f, 1.f), randomTensor(c, rng, -0.5f, 0.5f),
          randomTensor(c, rng, 0.1f, 3.f)};
}

TEST(GradKernelsRef, BatchNormTrainMatchesTheFormula) {
  std::mt19937 rng(17);
  for (const BnSpec& s : bnSmallSpecs()) {
    SCOPED_TRACE(s.name);
    Runner bn("reference", bnTrainNode(s));
    ASSERT_TRUE(bn.ok()) << bn.error;
    std::vector<HostTensor> in = bnTrainInputs(s, rng);
    std::vector<HostTensor> out = bn(in);
    ASSERT_EQ(out.size(), 5u);
    // The formula, in double: x as [outer, C, inner].
    int64_t rank = static_cast<int64_t>(s.x.size());
    int64_t axis = s.axis < 0 ? s.axis + rank : s.axis, C = s.x[axis], outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= s.x[i];
    for (int64_t i = axis + 1; i < rank; ++i)
      inner *= s.x[i];
    double n = static_cast<double>(outer * inner), eps = 1e-3, m = 0.3;
    HostTensor y(s.x), mean({C}), var({C}), rm({C}), rv({C});
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0, sq = 0;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
          sum += in[0].f32()[(o * C + c) * inner + i];
      double mu = sum / n;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i)
          sq += std::pow(in[0].f32()[(o * C + c) * inner + i] - mu, 2);
      double v = sq / n;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t k = (o * C + c) * inner + i;
          y.f32()[k] = static_cast<float>(
              (in[0].f32()[k] - mu) / std::sqrt(v + eps) * in[1].f32()[c] + in[2].f32()[c]);
        }
      mean.f32()[c] = static_cast<float>(mu);
      var.f32()[c] = static_cast<float>(v);
      rm.f32()[c] = static_cast<float>(0.7 * in[3].f32()[c] + m * mu);
      rv.f32()[c] = static_cast<float>(0.7 * in[4].f32()[c] + m * v * n / (n - 1));
    }
    const char* names[] = {"y", "mean", "var", "new_running_mean", "new_running_var"};
    HostTensor want[] = {y, mean, var, rm, rv};
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(allClose(out[i], want[i], 1e-5, 1e-5)) << names[i];
  }
}

TEST(GradKernelsRef, BatchNormGradMatchesFiniteDifferencesOfBatchNormTrain) {
  std::mt19937 rng(18);
  for (const BnSpec& s : bnSmallSpecs()) {
    SCOPED_TRACE(s.name);
    Runner fwd("reference", bnTrainNode(s));
    ASSERT_TRUE(fwd.ok()) << fwd.error;
    Runner grad("reference", bnGradNode(s));
    ASSERT_TRUE(grad.ok()) << grad.error;
    std::vector<HostTensor> in = bnTrainInputs(s, rng);
    std::vector<HostTensor> out = fwd(in);
    HostTensor r = randomTensor(s.x, rng, -1.f, 1.f);
    // dL/d(x, gamma, beta) of L = Σ r·y, y normalised with the batch's own statistics.
    std::vector<HostTensor> g = grad({in[0], in[1], out[1], out[2], r});
    ASSERT_EQ(g.size(), 3u);
    for (size_t which = 0; which < 3; ++which) {
      SCOPED_TRACE("input " + std::to_string(which));
      expectFiniteDifferences(fwd, in, which, 0, r, g[which], 1e-2);
    }
  }
}

// ---- behaviour both backends share ------------------------------------------------------------

TEST(GradKernels, MaxPoolTiesGoToTheFirstMaximumInScanOrder) {
  // One 2x2 window per output over a 2x4 plane; ties inside each window.
  Pool2dAttrs a;
  a.kernel = {2, 2};
  a.stride = {2, 2};
  HostTensor x = tensor({1, 1, 2, 4}, {1, 3, 5, 2, 3, 3, 5, 5});
  HostTensor dy = tensor({1, 1, 1, 2}, {10, 20});
  HostTensor want = tensor({1, 1, 2, 4}, {0, 10, 20, 0, 0, 0, 0, 0});
  for (const char* be : {"reference", "cpu"}) {
    Runner grad(be, build(OpKind::MaxPool2dGrad, a, {x.shape, dy.shape}));
    ASSERT_TRUE(grad.ok()) << be << ": " << grad.error;
    EXPECT_TRUE(allClose(grad({x, dy})[0], want, 0, 0)) << be;
  }
}

TEST(GradKernels, AvgPoolGradDividesLikeTheForward) {
  // 1x3 input, kernel 2, stride 2, pad right 1: windows [0,2) and [2,4) (one column in-image).
  Pool2dAttrs a;
  a.kernel = {1, 2};
  a.stride = {1, 2};
  a.pad = {0, 0, 0, 1};
  HostTensor x = tensor({1, 1, 1, 3}, {1, 2, 3});
  HostTensor dy = tensor({1, 1, 1, 2}, {4, 8});
  for (bool incl : {true, false}) {
    a.countIncludePad = incl;
    // include pad: the second window counts the pad column (÷2); exclude: ÷1.
    HostTensor want = tensor({1, 1, 1, 3}, {2, 2, incl ? 4.f : 8.f});
    for (const char* be : {"reference", "cpu"}) {
      Runner grad(be, build(OpKind::AvgPool2dGrad, a, {x.shape, dy.shape}));
      ASSERT_TRUE(grad.ok()) << be << ": " << grad.error;
      EXPECT_TRUE(allClose(grad({x, dy})[0], want, 0, 0)) << be << " include_pad " << incl;
    }
  }
}

TEST(GradKernels, ConvGradsRefuseEpiloguesAndPerSampleWeights) {
  Conv2dAttrs epi;
  epi.epilogue = Epilogue::Relu;
  Conv2dAttrs perSample;
  perSample.perSample = true;
  for (const char* be : {"reference", "cpu"})
    for (OpKind op : {OpKind::Conv2dGradInput, OpKind::Conv2dGradWeight}) {
      for (const auto& [a, word] : {std::pair<Conv2dAttrs, std::string>{epi, "epilogue"},
                                    std::pair<Conv2dAttrs, std::string>{perSample, "per-sample"}}) {
        Built b = build(op, a, {{1, 2, 5, 5}, {3, 2, 3, 3}, {1, 3, 3, 3}});
        ASSERT_TRUE(b.error.empty()) << b.error;
        auto backend = createBackend(be);
        ASSERT_TRUE(backend.ok());
        EXPECT_TRUE((*backend)->implements(op)) << be;
        EXPECT_FALSE((*backend)->supports(b.g, b.n())) << be << " " << word;
        auto k = (*backend)->prepare(b.g, b.n());
        ASSERT_FALSE(k.ok());
        EXPECT_NE(k.status().message().find(word), std::string::npos) << k.status().message();
      }
    }
}

TEST(GradKernels, BatchNormTrainRefusesOneValuePerChannel) {
  BnSpec s{"one", {1, 4, 1, 1}};
  for (const char* be : {"reference", "cpu"}) {
    Runner bn(be, bnTrainNode(s));
    EXPECT_FALSE(bn.ok()) << be;
    EXPECT_NE(bn.error.find("more than one value per channel"), std::string::npos) << bn.error;
  }
}

// ---- (b) cpu against the reference ------------------------------------------------------------

struct GradCase {
  std::string name;
  OpKind op;
  Attrs attrs;
  std::vector<Dims> ins;
  std::vector<Dims> outs;                      ///< empty: from the shape rule
  std::vector<std::pair<float, float>> ranges; ///< per input; [-2, 2] when absent
};

void PrintTo(const GradCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<GradCase> cpuCases() {
  std::vector<GradCase> r;
  for (const ConvSpec& s : convSpecs()) {
    Conv2dAttrs a = convAttrs(s);
    Dims w = convWeight(s), y = fwdShape(OpKind::Conv2d, a, {s.x, w});
    r.push_back({"conv_input_" + s.name, OpKind::Conv2dGradInput, a, {s.x, w, y}, {}, {}});
    r.push_back({"conv_weight_" + s.name, OpKind::Conv2dGradWeight, a, {s.x, w, y}, {}, {}});
  }
  // Big enough for the cpu kernels' Winograd path (3x3, stride 1, >= 32 channels in, >= 24 out,
  // >= 16K output pixels; conv2d.cpp), odd sizes (its 4x4 tiles overhang), weights of
  // trained-network size (1/sqrt(fan-in)): Winograd's float32 error scales with its partial sums.
  for (const ConvSpec& s : std::vector<ConvSpec>{
           {"winograd_32ch", {1, 32, 128, 128}, 32, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
           {"winograd_48to64_b2_odd", {2, 48, 93, 91}, 64, 3, 3, 1, {1, 1}, {1, 1, 1, 1}},
           {"winograd_64to24", {1, 64, 128, 128}, 24, 3, 3, 1, {1, 1}, {1, 1, 1, 1}}}) {
    Conv2dAttrs a = convAttrs(s);
    Dims w = convWeight(s), y = fwdShape(OpKind::Conv2d, a, {s.x, w});
    for (OpKind op : {OpKind::Conv2dGradInput, OpKind::Conv2dGradWeight})
      r.push_back(
          {std::string(op == OpKind::Conv2dGradInput ? "conv_input_" : "conv_weight_") + s.name,
           op,
           a,
           {s.x, w, y},
           {},
           {{-1.f, 1.f}, {-0.06f, 0.06f}, {-1.f, 1.f}}});
  }
  std::vector<BnSpec> bn = bnSmallSpecs();
  for (BnSpec s : std::vector<BnSpec>{{"nchw_odd", {2, 5, 7, 13}},
                                      {"nchw_blocked_b4", {4, 32, 9, 11}},
                                      {"image_like", {2, 16, 30, 39}},
                                      {"one_pixel_b3", {3, 4, 1, 1}}})
    bn.push_back(s);
  for (const BnSpec& s : bn) {
    Dims c{channelsOf(s)};
    r.push_back({"bn_train_" + s.name,
                 OpKind::BatchNormTrain,
                 bnAttrs(s),
                 {s.x, c, c, c, c},
                 {s.x, c, c, c, c},
                 {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}, {-0.5f, 0.5f}, {0.1f, 3.f}}});
    r.push_back({"bn_grad_" + s.name,
                 OpKind::BatchNormGrad,
                 bnAttrs(s),
                 {s.x, c, c, c, s.x},
                 {s.x, c, c},
                 {{-3.f, 3.f}, {0.5f, 2.f}, {-0.5f, 0.5f}, {0.1f, 3.f}, {-1.f, 1.f}}});
  }
  std::vector<PoolSpec> pools = poolSpecs();
  pools.push_back({"big_ceil_pad", {2, 16, 33, 31}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true});
  for (const PoolSpec& s : pools) {
    Pool2dAttrs a = poolAttrs(s);
    Dims y = fwdShape(OpKind::MaxPool2d, a, {s.x});
    r.push_back({"max_" + s.name, OpKind::MaxPool2dGrad, a, {s.x, y}, {}, {}});
    r.push_back({"avg_" + s.name, OpKind::AvgPool2dGrad, a, {s.x, y}, {}, {}});
  }
  for (const ResizeSpec& s : resizeSpecs()) {
    ResizeAttrs a = resizeAttrs(s);
    r.push_back({"resize_" + s.name,
                 OpKind::ResizeGrad,
                 a,
                 {s.x, fwdShape(OpKind::Resize, a, {s.x})},
                 {},
                 {}});
  }
  for (const PadSpec& s : padSpecs()) {
    PadAttrs a = padAttrs(s);
    r.push_back(
        {"pad_" + s.name, OpKind::PadGrad, a, {s.x, fwdShape(OpKind::Pad, a, {s.x})}, {}, {}});
  }
  for (const SliceSpec& s : sliceSpecs()) {
    SliceAttrs a = sliceAttrs(s);
    r.push_back({"slice_" + s.name,
                 OpKind::SliceGrad,
                 a,
                 {s.x, fwdShape(OpKind::Slice, a, {s.x})},
                 {},
                 {}});
  }
  return r;
}

class GradKernelsCpuVsRef : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradKernelsCpuVsRef, Agrees) {
  const GradCase& c = GetParam();
  Runner ref("reference", build(c.op, c.attrs, c.ins, c.outs));
  ASSERT_TRUE(ref.ok()) << ref.error;
  Runner cpu("cpu", build(c.op, c.attrs, c.ins, c.outs));
  ASSERT_TRUE(cpu.ok()) << cpu.error;
  // The cases named for it do take the Winograd path, and only they.
  EXPECT_EQ(cpu::winogradConv(cpu.b.g, cpu.b.n()), c.name.find("winograd") != std::string::npos);
  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
  for (int round = 0; round < 2; ++round) { // the second run re-uses the cached primitives
    std::vector<HostTensor> in;
    for (size_t i = 0; i < c.ins.size(); ++i) {
      auto [lo, hi] = i < c.ranges.size() ? c.ranges[i] : std::make_pair(-2.f, 2.f);
      in.push_back(randomTensor(c.ins[i], rng, lo, hi));
    }
    std::vector<HostTensor> want = ref(in), got = cpu(in);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_GT(maxAbs(want[i]), 0.0) << "output " << i << " is all zeros: a vacuous case";
      EXPECT_TRUE(allClose(got[i], want[i])) << "output " << i << " round " << round;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(GradKernelsSpatial, GradKernelsCpuVsRef, ::testing::ValuesIn(cpuCases()),
                         [](const ::testing::TestParamInfo<GradCase>& i) { return i.param.name; });

} // namespace
} // namespace llie::bt
