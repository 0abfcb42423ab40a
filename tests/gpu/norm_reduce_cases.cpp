// cuda-vs-cpu cases for the reduction families: sum / mean / max / min over kept and reduced
// axes in every position (the cpu-vs-reference table's, tests/backends/tensor_case_tables.h),
// softmax
// and log_softmax over one or several axes, and batch normalisation in its three forms
// (inference, training with all five outputs, the training backward with its three) over NCHW,
// other ranks and a last-axis channel; and the three with a relu or relu6 epilogue (the
// gradient with beta as its sixth input), their data spread so that y falls on both sides of 0
// and of 6; instancenorm (all or the first channels), layernorm over the last axis and
// l2_normalize along an axis; argmax and kth_value (ties, NaNs, fractions 0 and 1), exactly.
#include "tests/backends/select_cases.h"
#include "tests/backends/tensor_case_tables.h"
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

std::vector<GpuCase> softmaxCases() {
  std::vector<GpuCase> r;
  for (auto [op, nm] :
       {std::pair{OpKind::Softmax, "softmax"}, std::pair{OpKind::LogSoftmax, "log_softmax"}}) {
    std::string p = nm;
    auto add = [&](std::string name, Dims x, std::vector<int64_t> axes) {
      GpuCase c{p + "_" + name, op, ReduceAttrs{std::move(axes), false}, {x}, {x}};
      c.lo = -4.f, c.hi = 4.f;
      r.push_back(std::move(c));
    };
    add("axis1", {2, 5, 3, 4}, {1});
    add("spatial", {2, 3, 4, 5}, {2, 3});
    add("last_axis", {3, 7}, {-1});
    add("channels_and_rows", {2, 3, 4, 5}, {1, 2});
    add("long_rows", {4, 1000}, {1});
  }
  return r;
}

NormAttrs normAttrs(int64_t axis) {
  NormAttrs a;
  a.axis = axis;
  a.eps = 1e-5;
  a.momentum = 0.1;
  return a;
}

int64_t channels(const Dims& x, int64_t axis) {
  return x[axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis];
}

std::vector<GpuCase> bnCases() {
  struct Shape {
    const char* name;
    Dims x;
    int64_t axis;
  };
  std::vector<Shape> shapes = {{"nchw_odd", {2, 5, 7, 13}, 1},
                               {"image_like", {1, 16, 60, 39}, 1},
                               {"rank2", {4, 6}, 1},
                               {"rank3", {2, 3, 10}, 1},
                               {"axis_last", {2, 3, 4, 5}, -1}};
  std::vector<GpuCase> r;
  for (const Shape& s : shapes) {
    int64_t C = channels(s.x, s.axis);
    GpuCase inf{std::string("infer_") + s.name,
                OpKind::BatchNorm,
                normAttrs(s.axis),
                {s.x, {C}, {C}, {C}, {C}},
                {s.x}};
    inf.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}, {-0.5f, 0.5f}, {0.1f, 3.f}};
    r.push_back(inf);
    GpuCase tr{std::string("train_") + s.name,
               OpKind::BatchNormTrain,
               normAttrs(s.axis),
               {s.x, {C}, {C}, {C}, {C}},
               {s.x, {C}, {C}, {C}, {C}}};
    tr.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}, {-0.5f, 0.5f}, {0.1f, 3.f}};
    r.push_back(tr);
    GpuCase gr{std::string("grad_") + s.name,
               OpKind::BatchNormGrad,
               normAttrs(s.axis),
               {s.x, {C}, {C}, {C}, s.x},
               {s.x, {C}, {C}}};
    gr.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-0.5f, 0.5f}, {0.5f, 3.f}, {-1.f, 1.f}};
    r.push_back(gr);
  }
  return r;
}

/// batchnorm, batchnorm_train and batchnorm_grad with act(bn(x)) for act relu and relu6.
std::vector<GpuCase> bnEpilogueCases() {
  struct Shape {
    const char* name;
    Dims x;
    int64_t axis;
  };
  std::vector<Shape> shapes = {
      {"nchw_odd", {2, 5, 7, 13}, 1}, {"rank2", {8, 6}, 1}, {"axis_last", {2, 3, 4, 5}, -1}};
  std::vector<GpuCase> r;
  for (auto [act, actName] :
       {std::pair{Epilogue::Relu, "relu"}, std::pair{Epilogue::Relu6, "relu6"}}) {
    for (const Shape& s : shapes) {
      int64_t C = channels(s.x, s.axis);
      NormAttrs a = normAttrs(s.axis);
      a.epilogue = act;
      std::string suffix = std::string(actName) + "_" + s.name;
      // gamma up to 3 and beta up to 4 put y well past 6 and well below 0.
      GpuCase inf{"infer_" + suffix, OpKind::BatchNorm, a, {s.x, {C}, {C}, {C}, {C}}, {s.x}};
      inf.ranges = {{-3.f, 3.f}, {0.5f, 3.f}, {-1.f, 4.f}, {-0.5f, 0.5f}, {0.1f, 3.f}};
      r.push_back(inf);
      GpuCase tr{"train_" + suffix,
                 OpKind::BatchNormTrain,
                 a,
                 {s.x, {C}, {C}, {C}, {C}},
                 {s.x, {C}, {C}, {C}, {C}}};
      tr.ranges = {{-3.f, 3.f}, {0.5f, 3.f}, {-1.f, 4.f}, {-0.5f, 0.5f}, {0.1f, 3.f}};
      r.push_back(tr);
      GpuCase gr{"grad_" + suffix,
                 OpKind::BatchNormGrad,
                 a,
                 {s.x, {C}, {C}, {C}, s.x, {C}},
                 {s.x, {C}, {C}}};
      gr.ranges = {{-3.f, 3.f}, {0.5f, 3.f}, {-0.5f, 0.5f}, {0.5f, 3.f}, {-1.f, 1.f}, {-1.f, 4.f}};
      r.push_back(gr);
    }
  }
  return r;
}

/// instancenorm (all channels, or only the first `channels`), layernorm over the last axis,
/// l2_normalize along an axis; argmax and kth_value (ties, NaNs, fractions 0 and 1), exactly.
std::vector<GpuCase> groupNormCases() {
  std::vector<GpuCase> r;
  auto inst = [&](std::string name, Dims x, int64_t channels) {
    NormAttrs a = normAttrs(1);
    a.channels = channels;
    int64_t c0 = channels > 0 ? channels : x[1];
    GpuCase c{"instancenorm_" + name, OpKind::InstanceNorm, a, {x, {c0}, {c0}}, {x}};
    c.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}};
    r.push_back(std::move(c));
  };
  inst("nchw", {2, 5, 7, 13}, 0);
  inst("first_channels", {2, 5, 6, 6}, 2);
  inst("large_plane", {1, 3, 64, 72}, 0);
  auto layer = [&](std::string name, Dims x) {
    NormAttrs a = normAttrs(-1);
    int64_t K = x.back();
    GpuCase c{"layernorm_" + name, OpKind::LayerNorm, a, {x, {K}, {K}}, {x}};
    c.ranges = {{-3.f, 3.f}, {0.5f, 2.f}, {-1.f, 1.f}};
    r.push_back(std::move(c));
  };
  layer("rank2", {6, 33});
  layer("rank3", {2, 16, 48});
  layer("long_rows", {3, 1000});
  auto l2 = [&](std::string name, Dims x, int64_t axis) {
    GpuCase c{"l2_normalize_" + name, OpKind::L2Normalize, normAttrs(axis), {x}, {x}};
    r.push_back(std::move(c));
  };
  l2("axis1", {2, 5, 3, 4}, 1);
  l2("last", {4, 37}, -1);
  l2("first", {6, 7}, 0);
  return r;
}

GpuCase argmax(std::string name, Dims x, int64_t axis) {
  Dims y = x;
  y.erase(y.begin() + (axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis));
  GpuCase c{"argmax_" + std::move(name), OpKind::ArgMax, AxisAttrs{axis}, {x}, {y}};
  c.outTypes = {DType::I64};
  return c;
}

/// argmax over the host test's axes (select_cases.h) on random data, on integer-valued data
/// (ties: the first maximum) and with NaNs (the first NaN), a rank-1 input and a long axis.
/// The indices must agree exactly.
std::vector<GpuCase> argmaxCases() {
  std::vector<GpuCase> r;
  for (int64_t axis : kArgMaxAxes) {
    std::string ax = axis < 0 ? "m" + std::to_string(-axis) : std::to_string(axis);
    r.push_back(argmax("axis" + ax, {2, 5, 3, 4}, axis));
    GpuCase ties = argmax("ties_axis" + ax, {2, 5, 3, 4}, axis);
    ties.roundInput0 = true;
    r.push_back(std::move(ties));
    GpuCase nans = argmax("nan_axis" + ax, {2, 5, 3, 4}, axis);
    nans.roundInput0 = true, nans.nanEvery = 7;
    r.push_back(std::move(nans));
  }
  r.push_back(argmax("rank1", {17}, 0));
  GpuCase wide = argmax("long_axis_ties", {3, 1000}, 1);
  wide.roundInput0 = true, wide.lo = -20.f, wide.hi = 20.f;
  r.push_back(std::move(wide));
  return r;
}

GpuCase kth(std::string name, Dims x, std::vector<int64_t> axes, double fraction) {
  Dims y = x;
  for (int64_t a : axes)
    y[a < 0 ? a + static_cast<int64_t>(x.size()) : a] = 1;
  if (axes.empty()) y.assign(x.size(), 1); // no axes: all of them
  GpuCase c{"kth_value_" + std::move(name),
            OpKind::KthValue,
            KthValueAttrs{std::move(axes), fraction},
            {x},
            {y}};
  c.atol = 0, c.rtol = 0; // a selected element: the same value
  return c;
}

/// kth_value over the host test's (axes, fraction) pairs (select_cases.h, fractions 0 and 1
/// among them) on random data, on integer-valued data (ties, and zeros of both signs: equal) and
/// with NaNs (sorted last, so the top fraction selects one); MBLLEN's threshold on image-sized
/// groups; fractions just below and above a rank boundary. The value must agree exactly.
std::vector<GpuCase> kthCases() {
  std::vector<GpuCase> r;
  for (size_t i = 0; i < kKthCases.size(); ++i) {
    const KthCase& k = kKthCases[i];
    std::string nm = "case" + std::to_string(i);
    r.push_back(kth(nm, {3, 4, 5, 6}, k.axes, k.fraction));
    GpuCase ties = kth(nm + "_ties", {3, 4, 5, 6}, k.axes, k.fraction);
    ties.roundInput0 = true;
    r.push_back(std::move(ties));
    GpuCase nans = kth(nm + "_nan", {3, 4, 5, 6}, k.axes, k.fraction);
    nans.nanEvery = 4;
    r.push_back(std::move(nans));
  }
  r.push_back(kth("mbllen_region", {2, 1, 96, 80}, {1, 2, 3}, 0.4));
  GpuCase big = kth("mbllen_region_ties", {3, 1, 128, 128}, {1, 2, 3}, 0.4);
  big.roundInput0 = true, big.lo = -50.f, big.hi = 50.f;
  r.push_back(std::move(big));
  r.push_back(kth("all_axes", {5, 7, 9}, {}, 0.5));
  r.push_back(kth("rank1_below_boundary", {10}, {0}, 0.39999));
  r.push_back(kth("rank1_at_boundary", {10}, {0}, 0.4));
  r.push_back(kth("rank1_fraction_0", {10}, {0}, 0.0));
  r.push_back(kth("rank1_fraction_1", {10}, {0}, 1.0));
  GpuCase allNan = kth("all_nan", {4, 6}, {1}, 0.0);
  allNan.nanEvery = 1; // every element NaN: the NaN is the answer
  r.push_back(std::move(allNan));
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaArgMax, CudaMatchesCpu, ::testing::ValuesIn(argmaxCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaKthValue, CudaMatchesCpu, ::testing::ValuesIn(kthCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaGroupNorm, CudaMatchesCpu, ::testing::ValuesIn(groupNormCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaReduce, CudaMatchesCpu,
                         ::testing::ValuesIn(fromCpuCases(tables::reduceCases())), gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaSoftmax, CudaMatchesCpu, ::testing::ValuesIn(softmaxCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaBatchNorm, CudaMatchesCpu, ::testing::ValuesIn(bnCases()),
                         gpuCaseName);
INSTANTIATE_TEST_SUITE_P(CudaBatchNormEpilogue, CudaMatchesCpu,
                         ::testing::ValuesIn(bnEpilogueCases()), gpuCaseName);

} // namespace llie::bt
