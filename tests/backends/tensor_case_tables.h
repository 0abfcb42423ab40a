// The reduction, softmax, concat and data-movement cases of the cpu-vs-reference table
// (cpu_tensor_cases_test.cpp), which the cuda-vs-cpu harness runs too (tests/gpu/
// norm_reduce_cases.cpp, movement_cases.cpp): reductions (sum/mean/max/min over one or several
// axes, negative axes, keepdim on and off, all axes, size-1 axes, sizes the cpu threads),
// softmax (one axis or several contiguous ones), concat (every axis, several inputs), and
// reshape, permute, slice (steps, negative start), pad (zero/value, reflect, replicate,
// asymmetric), expand and stop_grad.
#pragma once
#include "tests/backends/backend_test_util.h"

namespace llie::bt::tables {

inline Case reduce(std::string name, OpKind op, Dims x, std::vector<int64_t> axes, bool keep) {
  ReduceAttrs a{axes, keep};
  int64_t r = static_cast<int64_t>(x.size());
  std::vector<bool> red(r, axes.empty());
  for (int64_t ax : axes)
    red[ax < 0 ? ax + r : ax] = true;
  Dims y;
  for (int64_t d = 0; d < r; ++d)
    if (!red[d])
      y.push_back(x[d]);
    else if (keep)
      y.push_back(1);
  return Case{std::move(name), op, a, {x}, y};
}

inline std::vector<Case> reduceCases() {
  std::vector<std::pair<const char*, OpKind>> ops = {{"sum", OpKind::ReduceSum},
                                                     {"mean", OpKind::ReduceMean},
                                                     {"max", OpKind::ReduceMax},
                                                     {"min", OpKind::ReduceMin}};
  std::vector<Case> r;
  for (auto& [nm, op] : ops) {
    std::string p = nm;
    r.push_back(reduce(p + "_c_keep", op, {2, 3, 7, 13}, {1}, true));
    r.push_back(reduce(p + "_hw", op, {2, 3, 7, 13}, {2, 3}, false));
    r.push_back(reduce(p + "_neg_last", op, {2, 3, 7, 13}, {-1}, false));
    r.push_back(reduce(p + "_n_h_keep", op, {2, 3, 7, 13}, {0, 2}, true));
    r.push_back(reduce(p + "_all", op, {2, 3, 7, 13}, {}, false));
    r.push_back(reduce(p + "_size1_axis", op, {2, 1, 5, 5}, {1}, true));
    r.push_back(reduce(p + "_rank2_rows", op, {9, 4}, {0}, false));
    r.push_back(reduce(p + "_image_chw", op, {1, 3, 60, 39}, {1, 2, 3}, true));
    // Large enough to run threaded: a bias gradient (first group reduced, split across threads
    // into partials), a channel reduction (first group kept), and everything at once.
    r.push_back(reduce(p + "_bias_grad_threaded", op, {4, 16, 48, 40}, {0, 2, 3}, false));
    r.push_back(reduce(p + "_channels_threaded", op, {5, 8, 40, 33}, {1}, true));
    r.push_back(reduce(p + "_all_threaded", op, {3, 4, 61, 59}, {}, false));
  }
  return r;
}

inline Case softmax(std::string name, Dims x, std::vector<int64_t> axes, float range = 3.f) {
  Case c{std::move(name), OpKind::Softmax, ReduceAttrs{axes, false}, {x}, x};
  c.lo = -range, c.hi = range;
  return c;
}

inline std::vector<Case> softmaxCases() {
  return {softmax("channels", {2, 5, 7, 3}, {1}),
          softmax("last", {2, 5, 7, 3}, {-1}),
          softmax("first", {4, 3, 5}, {0}),
          softmax("hw", {2, 3, 7, 9}, {2, 3}),
          softmax("chw", {2, 3, 4, 5}, {1, 2, 3}),
          softmax("rank2", {6, 17}, {1}),
          softmax("large_logits", {2, 8, 5, 5}, {1}, 30.f),
          softmax("single_class", {3, 1, 4}, {1})};
}

inline Case concat(std::string name, std::vector<Dims> ins, int64_t axis) {
  Dims y = ins[0];
  int64_t ax = axis < 0 ? axis + static_cast<int64_t>(y.size()) : axis;
  y[ax] = 0;
  for (auto& d : ins)
    y[ax] += d[ax];
  return Case{std::move(name), OpKind::Concat, AxisAttrs{axis}, ins, y};
}

inline std::vector<Case> concatCases() {
  return {concat("channels", {{2, 3, 5, 7}, {2, 4, 5, 7}}, 1),
          concat("batch", {{1, 3, 5, 7}, {2, 3, 5, 7}}, 0),
          concat("height", {{1, 3, 2, 7}, {1, 3, 5, 7}}, 2),
          concat("width_neg", {{1, 3, 5, 7}, {1, 3, 5, 1}}, -1),
          concat("three_inputs", {{1, 16, 6, 6}, {1, 8, 6, 6}, {1, 3, 6, 6}}, 1),
          concat("rank2", {{4, 3}, {4, 5}}, 1),
          concat("single", {{2, 3, 4}}, 1)};
}

inline Case slice(std::string name, Dims x, int64_t axis, int64_t start, int64_t stop,
                  int64_t step) {
  SliceAttrs a;
  a.axis = axis, a.start = Dim::constant(start), a.stop = Dim::constant(stop), a.step = step;
  int64_t ax = axis < 0 ? axis + static_cast<int64_t>(x.size()) : axis;
  int64_t s = start < 0 ? start + x[ax] : start, e = stop < 0 ? stop + x[ax] : stop;
  Dims y = x;
  y[ax] = (e - s + step - 1) / step;
  return Case{std::move(name), OpKind::Slice, a, {x}, y};
}

inline Case pad(std::string name, Dims x, PadMode mode, std::vector<int64_t> p, double value = 0) {
  PadAttrs a;
  a.mode = mode, a.pads = p, a.value = value;
  Dims y = x;
  size_t r = y.size();
  if (r >= 2) y[r - 2] += p[0] + p[1];
  y[r - 1] += p[2] + p[3];
  return Case{std::move(name), OpKind::Pad, a, {x}, y};
}

inline Case permute(std::string name, Dims x, std::vector<int64_t> perm) {
  Dims y;
  for (int64_t p : perm)
    y.push_back(x[p]);
  return Case{std::move(name), OpKind::Permute, PermuteAttrs{perm}, {x}, y};
}

inline Case expand(std::string name, Dims x, Dims y) {
  ExpandAttrs a;
  for (int64_t d : y)
    a.shape.push_back(Dim::constant(d));
  return Case{std::move(name), OpKind::Expand, a, {x}, y};
}

inline std::vector<Case> dataCases() {
  ReshapeAttrs rs;
  rs.shape = {Dim::constant(6), Dim::constant(20)};
  return {
      Case{"reshape", OpKind::Reshape, rs, {{2, 3, 4, 5}}, {6, 20}},
      Case{"stop_grad", OpKind::StopGrad, NoAttrs{}, {{2, 3, 7, 13}}, {2, 3, 7, 13}},
      permute("permute_nhwc", {2, 3, 7, 13}, {0, 2, 3, 1}),
      permute("permute_reverse", {2, 3, 4, 5}, {3, 2, 1, 0}),
      permute("permute_rank2", {7, 13}, {1, 0}),
      permute("permute_swap_hw", {1, 3, 60, 39}, {0, 1, 3, 2}),
      permute("permute_identity", {2, 3, 4}, {0, 1, 2}),
      slice("slice_channels", {2, 5, 7, 13}, 1, 1, 3, 1),
      slice("slice_width_step2", {2, 3, 7, 13}, 3, 0, 13, 2),
      slice("slice_neg_start", {2, 3, 7, 13}, -1, -4, 13, 1),
      slice("slice_height_step3", {1, 3, 10, 4}, 2, 1, 10, 3),
      slice("slice_batch", {4, 3, 2, 2}, 0, 2, 4, 1),
      pad("pad_zero", {1, 3, 5, 6}, PadMode::Zero, {1, 2, 3, 4}),
      pad("pad_value", {2, 2, 4, 4}, PadMode::Zero, {1, 1, 1, 1}, 0.5),
      pad("pad_reflect", {1, 2, 5, 6}, PadMode::Reflect, {2, 2, 2, 2}),
      pad("pad_reflect_asym", {1, 2, 5, 6}, PadMode::Reflect, {0, 3, 1, 4}),
      pad("pad_replicate", {1, 2, 5, 6}, PadMode::Replicate, {3, 1, 2, 5}),
      pad("pad_rank3", {3, 4, 5}, PadMode::Reflect, {1, 1, 1, 1}),
      pad("pad_one_pixel_replicate", {1, 3, 1, 1}, PadMode::Replicate, {2, 2, 2, 2}),
      expand("expand_channels", {1, 3, 1, 1}, {2, 3, 4, 5}),
      expand("expand_rank", {5}, {3, 4, 5}),
      expand("expand_middle", {2, 1, 7}, {2, 6, 7}),
      expand("expand_scalar", {}, {2, 3}),
  };
}

} // namespace llie::bt::tables
