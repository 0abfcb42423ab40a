// cuda-vs-cpu cases for the training ops outside the conv / batchnorm families: unary_grad for
// every op it knows (masks at the kinks included), reduce_grad (sum and mean, keepdim or not,
// all axes), slice_grad (steps, negative start), assign (a broadcast value), and the separable
// family: avg_pool2d and avg_pool2d_grad (padding, ceil mode, count_include_pad on and off,
// rectangular windows), max_pool2d and max_pool2d_grad on the same windows (the gradient exact,
// ties included), pad_grad (constant, reflect, replicate) and resize_grad (nearest,
// bilinear, align_corners); and the pointwise losses with loss_grad (every loss, β / δ set,
// smooth_l1 with β = 0, a large tensor for the one-block reduction); drop_path_train (the host's
// masks exactly) and drop_path; cross_entropy (distribution and class-index targets, invalid
// indices included), kl_div and class_loss_grad.
#include "tests/backends/tensor_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

std::vector<GpuCase> unaryGradCases() {
  Dims s{2, 3, 7, 13};
  struct U {
    const char* op;
    double alpha, beta;
    float lo, hi;
  };
  std::vector<GpuCase> r;
  for (U u : {U{"neg", 0, 0, -3, 3}, U{"relu", 0, 0, -3, 3}, U{"relu6", 0, 0, -9, 9},
              U{"leaky_relu", 0.1, 0, -3, 3}, U{"sigmoid", 0, 0, -8, 8}, U{"tanh", 0, 0, -3, 3},
              U{"silu", 0, 0, -6, 6}, U{"gelu", 0, 0, -3, 3}, U{"exp", 0, 0, -3, 3},
              U{"log", 0, 0, 0.1f, 5}, U{"sqrt", 0, 0, 0.1f, 5}, U{"abs", 0, 0, -3, 3},
              U{"square", 0, 0, -3, 3}, U{"pow_scalar", 2.2, 0, 0.1f, 2},
              U{"pow_scalar", 0.0, 0, -2, 2}, U{"clamp", -0.5, 0.7, -2, 2}, U{"sin", 0, 0, -4, 4},
              U{"cos", 0, 0, -4, 4}, U{"acos", 0, 0, -0.95f, 0.95f}}) {
    std::string name = std::string("unary_grad_") + u.op +
                       (u.alpha == 0.0 && std::string(u.op) == "pow_scalar" ? "_zero" : "");
    GpuCase c{name, OpKind::UnaryGrad, UnaryGradAttrs{u.op, u.alpha, u.beta}, {s, s}, {s}};
    c.ranges = {{u.lo, u.hi}, {-1.f, 1.f}};
    r.push_back(std::move(c));
  }
  return r;
}

/// reduce_grad of the reduction over `axes` of x: dy has the reduction's output shape.
GpuCase reduceGrad(std::string name, Dims x, std::vector<int64_t> axes, bool keep, bool mean) {
  ReduceGradAttrs a;
  a.axes = axes, a.keepdim = keep, a.mean = mean;
  for (int64_t d : x)
    a.shape.push_back(Dim::constant(d));
  Dims dy = tables::reduce("", OpKind::ReduceSum, x, axes, keep).out;
  return GpuCase{std::move(name), OpKind::ReduceGrad, a, {dy}, {x}};
}

/// slice_grad of the slice of x: dy has the slice's shape; a copy, so exact.
GpuCase sliceGrad(std::string name, Dims x, int64_t axis, int64_t start, int64_t stop,
                  int64_t step) {
  Case fwd = tables::slice("", x, axis, start, stop, step);
  GpuCase c{std::move(name), OpKind::SliceGrad, fwd.attrs, {x, fwd.out}, {x}};
  c.atol = 0, c.rtol = 0;
  return c;
}

std::vector<GpuCase> movementGradCases() {
  Dims v{2, 3, 5, 7};
  GpuCase assign{"assign_broadcast", OpKind::Assign, NoAttrs{}, {v, {1, 3, 1, 1}}, {v}};
  assign.atol = 0, assign.rtol = 0;
  GpuCase assignSame{"assign_same_shape", OpKind::Assign, NoAttrs{}, {v, v}, {v}};
  assignSame.atol = 0, assignSame.rtol = 0;
  return {
      reduceGrad("reduce_grad_sum_hw", v, {2, 3}, false, false),
      reduceGrad("reduce_grad_mean_hw_keep", v, {2, 3}, true, true),
      reduceGrad("reduce_grad_mean_all", v, {}, false, true),
      reduceGrad("reduce_grad_sum_c_neg", v, {-3}, true, false),
      reduceGrad("reduce_grad_mean_n_w", v, {0, 3}, false, true),
      sliceGrad("slice_grad_channels", {2, 5, 7, 13}, 1, 1, 3, 1),
      sliceGrad("slice_grad_width_step2", {2, 3, 7, 13}, 3, 0, 13, 2),
      sliceGrad("slice_grad_neg_start", {2, 3, 7, 13}, -1, -4, 13, 1),
      sliceGrad("slice_grad_height_step3", {1, 3, 10, 4}, 2, 1, 10, 3),
      assign,
      assignSame,
  };
}

Pool2dAttrs poolAttrs(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> pad,
                      bool ceil, bool include) {
  Pool2dAttrs a;
  a.kernel = k, a.stride = s, a.pad = pad, a.ceilMode = ceil, a.countIncludePad = include;
  return a;
}

std::vector<GpuCase> separableCases() {
  struct P {
    const char* name;
    Dims x;
    std::vector<int64_t> k, s, pad;
    bool ceil, include;
  };
  std::vector<P> pools = {
      {"k2s2", {1, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false, true},
      {"k3s1_pad1_include", {1, 4, 7, 9}, {3, 3}, {1, 1}, {1, 1, 1, 1}, false, true},
      {"k3s1_pad1_exclude", {1, 4, 7, 9}, {3, 3}, {1, 1}, {1, 1, 1, 1}, false, false},
      {"k3s2_ceil_include", {1, 2, 8, 8}, {3, 3}, {2, 2}, {0, 0, 0, 0}, true, true},
      {"k3s2_pad1_ceil_exclude", {1, 2, 10, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true, false},
      {"asym_pad_include", {1, 3, 7, 9}, {3, 3}, {2, 2}, {0, 1, 1, 0}, false, true},
      {"rect_kernel", {1, 5, 12, 10}, {2, 3}, {2, 3}, {0, 0, 1, 1}, true, true},
      {"rank3", {3, 9, 9}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false, true},
  };
  std::vector<GpuCase> r;
  for (const P& p : pools) {
    size_t n = p.x.size();
    Dims y = p.x;
    y[n - 2] = poolOut(p.x[n - 2], p.k[0], p.s[0], p.pad[0], p.pad[1], p.ceil);
    y[n - 1] = poolOut(p.x[n - 1], p.k[1], p.s[1], p.pad[2], p.pad[3], p.ceil);
    Pool2dAttrs a = poolAttrs(p.k, p.s, p.pad, p.ceil, p.include);
    r.push_back(GpuCase{std::string("avg_pool_") + p.name, OpKind::AvgPool2d, a, {p.x}, {y}});
    r.push_back(
        GpuCase{std::string("avg_pool_grad_") + p.name, OpKind::AvgPool2dGrad, a, {p.x, y}, {p.x}});
    // Max pooling on the same windows; its gradient must match the host's first-max rule
    // exactly (the same sums in the same order).
    r.push_back(GpuCase{std::string("max_pool_") + p.name, OpKind::MaxPool2d, a, {p.x}, {y}});
    GpuCase mg{std::string("max_pool_grad_") + p.name, OpKind::MaxPool2dGrad, a, {p.x, y}, {p.x}};
    mg.atol = 0, mg.rtol = 0;
    r.push_back(mg);
  }
  {
    // Ties: x in {0, 1} only, so most windows hold several maxima; overlapping windows (k3 s1)
    // send several dy to one element.
    Pool2dAttrs a = poolAttrs({3, 3}, {1, 1}, {1, 1, 1, 1}, false, true);
    GpuCase mg{"max_pool_grad_ties",
               OpKind::MaxPool2dGrad,
               a,
               {{2, 3, 9, 8}, {2, 3, 9, 8}},
               {{2, 3, 9, 8}}};
    mg.ranges = {{0.f, 1.f}, {-1.f, 1.f}};
    mg.roundInput0 = true;
    mg.atol = 0, mg.rtol = 0;
    r.push_back(mg);
  }
  struct Pd {
    const char* name;
    Dims x;
    PadMode mode;
    std::vector<int64_t> p;
  };
  for (const Pd& p : {Pd{"zero", {1, 3, 5, 6}, PadMode::Zero, {1, 2, 3, 4}},
                      Pd{"reflect", {1, 2, 5, 6}, PadMode::Reflect, {2, 2, 2, 2}},
                      Pd{"reflect_asym", {1, 2, 5, 6}, PadMode::Reflect, {0, 3, 1, 4}},
                      Pd{"replicate", {1, 2, 5, 6}, PadMode::Replicate, {3, 1, 2, 5}},
                      Pd{"rank3_reflect", {3, 4, 5}, PadMode::Reflect, {1, 1, 1, 1}}}) {
    PadAttrs a;
    a.mode = p.mode, a.pads = p.p;
    Dims y = p.x;
    size_t n = y.size();
    y[n - 2] += p.p[0] + p.p[1];
    y[n - 1] += p.p[2] + p.p[3];
    r.push_back(GpuCase{std::string("pad_grad_") + p.name, OpKind::PadGrad, a, {p.x, y}, {p.x}});
  }
  struct Rs {
    const char* name;
    ResizeMode mode;
    bool ac;
    Dims x;
    int64_t oh, ow;
  };
  auto N = ResizeMode::Nearest, B = ResizeMode::Bilinear;
  for (const Rs& s : {Rs{"nearest_up2", N, false, {1, 3, 5, 7}, 10, 14},
                      Rs{"nearest_down_nonint", N, false, {1, 3, 13, 17}, 5, 6},
                      Rs{"bilinear_up2", B, false, {1, 3, 5, 7}, 10, 14},
                      Rs{"bilinear_up_nonint", B, false, {1, 3, 5, 7}, 8, 11},
                      Rs{"bilinear_down", B, false, {1, 3, 13, 17}, 5, 6},
                      Rs{"bilinear_ac_up", B, true, {1, 3, 5, 7}, 8, 11}}) {
    ResizeAttrs a;
    a.mode = s.mode, a.alignCorners = s.ac, a.size = {Dim::constant(s.oh), Dim::constant(s.ow)};
    Dims y = s.x;
    y[2] = s.oh, y[3] = s.ow;
    r.push_back(
        GpuCase{std::string("resize_grad_") + s.name, OpKind::ResizeGrad, a, {s.x, y}, {s.x}});
  }
  return r;
}

std::vector<GpuCase> lossCases() {
  struct L {
    const char* name;
    OpKind op;
    double beta;
  };
  std::vector<GpuCase> r;
  for (Dims s : {Dims{2, 3, 7, 13}, Dims{4, 3, 96, 96}}) {
    std::string size = s[2] == 7 ? "" : "_large";
    for (L l : {L{"l1_loss", OpKind::L1Loss, 1.0}, L{"mse_loss", OpKind::MseLoss, 1.0},
                L{"smooth_l1_loss", OpKind::SmoothL1Loss, 0.5},
                L{"smooth_l1_loss_beta0", OpKind::SmoothL1Loss, 0.0},
                L{"huber_loss", OpKind::HuberLoss, 0.7},
                L{"bce_with_logits", OpKind::BceWithLogits, 0.0}}) {
      std::string op = opName(l.op);
      Attrs a = l.op == OpKind::BceWithLogits ? Attrs{NoAttrs{}} : Attrs{LossAttrs{l.beta}};
      GpuCase c{l.name + size, l.op, a, {s, s}, {{}}};
      if (l.op == OpKind::BceWithLogits) c.ranges = {{-4.f, 4.f}, {0.f, 1.f}};
      r.push_back(std::move(c));
      GpuCase gr{std::string("grad_") + l.name + size,
                 OpKind::LossGrad,
                 LossGradAttrs{op, l.beta},
                 {s, s, {}},
                 {s}};
      gr.ranges = {{-2.f, 2.f}, {-2.f, 2.f}, {0.5f, 2.f}};
      if (l.op == OpKind::BceWithLogits) gr.ranges = {{-4.f, 4.f}, {0.f, 1.f}, {0.5f, 2.f}};
      r.push_back(std::move(gr));
    }
  }
  return r;
}

/// cross_entropy against a distribution (label smoothing on and off) and kl_div against teacher
/// logits (temperature 1 and 2), over the last axis of [N, K] and axis 1 of [N, K, H, W] (many
/// samples: the one-block sum), with class_loss_grad for each.
std::vector<GpuCase> classLossCases() {
  std::vector<GpuCase> r;
  auto add = [&](std::string name, OpKind op, Dims z, int64_t axis, double eps, double tau) {
    ClassLossAttrs a;
    a.axis = axis, a.labelSmoothing = eps, a.temperature = tau;
    GpuCase c{name, op, a, {z, z}, {{}}};
    c.ranges = {{-4.f, 4.f}, op == OpKind::KlDiv ? std::pair{-4.f, 4.f} : std::pair{0.f, 1.f}};
    r.push_back(c);
    ClassLossGradAttrs ga;
    ga.op = opName(op), ga.axis = axis, ga.labelSmoothing = eps, ga.temperature = tau;
    GpuCase gr{"grad_" + name, OpKind::ClassLossGrad, ga, {z, z, {}}, {z}};
    gr.ranges = {c.ranges[0], c.ranges[1], {0.5f, 2.f}};
    r.push_back(gr);
  };
  add("cross_entropy_rows", OpKind::CrossEntropy, {16, 10}, -1, 0.0, 1.0);
  add("cross_entropy_smooth_nchw", OpKind::CrossEntropy, {2, 7, 24, 20}, 1, 0.1, 1.0);
  add("kl_div_rows", OpKind::KlDiv, {16, 10}, 1, 0.0, 1.0);
  add("kl_div_t2_nchw", OpKind::KlDiv, {2, 5, 24, 20}, 1, 0.0, 2.0);
  // Class indices (I64, the logits' shape without the class axis); the "with_invalid" cases
  // draw some indices outside [0, K), whose samples must be NaN on both backends.
  auto indices = [&](std::string name, Dims z, int64_t axis, double eps, float lo, float hi) {
    ClassLossAttrs a;
    a.axis = axis, a.labelSmoothing = eps;
    Dims t = z;
    t.erase(t.begin() + (axis < 0 ? axis + static_cast<int64_t>(z.size()) : axis));
    GpuCase c{name, OpKind::CrossEntropy, a, {z, t}, {{}}};
    c.ranges = {{-4.f, 4.f}, {lo, hi}};
    c.inTypes = {DType::F32, DType::I64};
    r.push_back(c);
    ClassLossGradAttrs ga;
    ga.op = "cross_entropy", ga.axis = axis, ga.labelSmoothing = eps;
    GpuCase gr{"grad_" + name, OpKind::ClassLossGrad, ga, {z, t, {}}, {z}};
    gr.ranges = {{-4.f, 4.f}, {lo, hi}, {0.5f, 2.f}};
    gr.inTypes = {DType::F32, DType::I64, DType::F32};
    r.push_back(gr);
  };
  indices("cross_entropy_indices_rows", {16, 10}, 1, 0.0, 0.f, 10.f);
  indices("cross_entropy_indices_smooth_nchw", {2, 7, 12, 10}, 1, 0.2, 0.f, 7.f);
  indices("cross_entropy_indices_with_invalid", {32, 5}, -1, 0.0, -1.f, 6.f);
  return r;
}

/// drop_path_train must draw the host's masks exactly: 64 samples at p = 0.5 (some kept, some
/// dropped, whatever the step), p = 0 (a copy) and p = 1 (all zero), steps in [0, 1000) so that
/// the two rounds draw different masks; and drop_path, a copy.
std::vector<GpuCase> dropPathCases() {
  std::vector<GpuCase> r;
  auto add = [&](std::string name, double p, int64_t seed, Dims x) {
    DropAttrs a;
    a.p = p, a.seed = seed;
    GpuCase c{"drop_path_train_" + name, OpKind::DropPathTrain, a, {x, {}}, {x}};
    c.ranges = {{-2.f, 2.f}, {0.f, 1000.f}};
    c.atol = 0, c.rtol = 0;
    r.push_back(std::move(c));
  };
  add("half", 0.5, 7, {64, 3, 4, 5});
  add("rare", 0.1, 123456789, {64, 2, 3});
  add("p0", 0.0, 1, {4, 3, 5});
  add("p1", 1.0, 1, {4, 3, 5});
  add("rank1", 0.3, 99, {200});
  GpuCase copy{"drop_path_infer", OpKind::DropPath, DropAttrs{}, {{2, 3, 4, 5}}, {{2, 3, 4, 5}}};
  copy.atol = 0, copy.rtol = 0;
  r.push_back(copy);
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaClassLoss, CudaMatchesCpu, ::testing::ValuesIn(classLossCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaDropPath, CudaMatchesCpu, ::testing::ValuesIn(dropPathCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaLosses, CudaMatchesCpu, ::testing::ValuesIn(lossCases()), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaUnaryGrad, CudaMatchesCpu, ::testing::ValuesIn(unaryGradCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaMovementGrad, CudaMatchesCpu, ::testing::ValuesIn(movementGradCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaSeparable, CudaMatchesCpu, ::testing::ValuesIn(separableCases()),
                         gpuCaseName);

} // namespace llie::bt
