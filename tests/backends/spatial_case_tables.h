// The pooling and resize cases of the cpu-vs-reference table (cpu_spatial_cases_test.cpp); the
// cuda-vs-cpu harness runs the resize ones too (tests/gpu/movement_cases.cpp): max/avg pooling
// with padding, asymmetric padding, ceil_mode (with the overhang window that PyTorch's
// count_include_pad does not count), exclude-pad, odd sizes; resize nearest (integer upsampling
// through oneDNN, downsampling and non-integer ratios through the loop kernel) and bilinear with
// align_corners false (oneDNN) and true (loop), up and down, arbitrary ratios, 1-pixel inputs
// and outputs.
#pragma once
#include "tests/backends/backend_test_util.h"

namespace llie::bt::tables {

inline Case pool(std::string name, OpKind op, Dims x, std::vector<int64_t> k,
                 std::vector<int64_t> s, std::vector<int64_t> pad, bool ceil, bool include = true) {
  Pool2dAttrs a;
  a.kernel = k, a.stride = s, a.pad = pad, a.ceilMode = ceil, a.countIncludePad = include;
  size_t r = x.size();
  Dims y = x;
  y[r - 2] = poolOut(x[r - 2], k[0], s[0], pad[0], pad[1], ceil);
  y[r - 1] = poolOut(x[r - 1], k[1], s[1], pad[2], pad[3], ceil);
  return Case{std::move(name), op, a, {x}, y};
}

inline std::vector<Case> poolCases() {
  auto M = OpKind::MaxPool2d, A = OpKind::AvgPool2d;
  return {
      pool("max_k2s2", M, {1, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false),
      pool("max_k2s2_odd", M, {2, 3, 13, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false),
      pool("max_k3s2_pad1", M, {1, 4, 9, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, false),
      pool("max_k3s2_ceil", M, {1, 2, 8, 8}, {3, 3}, {2, 2}, {0, 0, 0, 0}, true),
      pool("max_k3s2_pad1_ceil", M, {1, 2, 10, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true),
      pool("max_asym_pad", M, {1, 3, 7, 9}, {3, 3}, {2, 2}, {0, 1, 1, 0}, false),
      pool("max_k3s1_pad1_blocked", M, {1, 32, 9, 9}, {3, 3}, {1, 1}, {1, 1, 1, 1}, false),
      pool("max_rank3", M, {3, 9, 9}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false),
      pool("max_image", M, {1, 16, 60, 39}, {2, 2}, {2, 2}, {0, 0, 0, 0}, true),
      pool("avg_k2s2", A, {1, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false),
      pool("avg_k3s1_pad1_include", A, {1, 4, 7, 9}, {3, 3}, {1, 1}, {1, 1, 1, 1}, false),
      pool("avg_k3s1_pad1_exclude", A, {1, 4, 7, 9}, {3, 3}, {1, 1}, {1, 1, 1, 1}, false, false),
      pool("avg_k3s2_ceil_include", A, {1, 2, 8, 8}, {3, 3}, {2, 2}, {0, 0, 0, 0}, true),
      pool("avg_k3s2_ceil_exclude", A, {1, 2, 8, 8}, {3, 3}, {2, 2}, {0, 0, 0, 0}, true, false),
      pool("avg_k3s2_pad1_ceil_include", A, {1, 2, 10, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true),
      pool("avg_k3s2_pad1_ceil_exclude", A, {1, 2, 10, 11}, {3, 3}, {2, 2}, {1, 1, 1, 1}, true,
           false),
      pool("avg_k2s2_ceil_odd_include", A, {2, 3, 13, 7}, {2, 2}, {2, 2}, {0, 0, 0, 0}, true),
      pool("avg_asym_pad_include", A, {1, 3, 7, 9}, {3, 3}, {2, 2}, {0, 1, 1, 0}, false),
      pool("avg_asym_pad_exclude", A, {1, 3, 7, 9}, {3, 3}, {2, 2}, {0, 1, 1, 0}, false, false),
      pool("avg_rect_kernel", A, {1, 5, 12, 10}, {2, 3}, {2, 3}, {0, 0, 1, 1}, true),
      pool("avg_blocked", A, {1, 32, 10, 10}, {2, 2}, {2, 2}, {0, 0, 0, 0}, false),
  };
}

inline Case resize(std::string name, ResizeMode mode, bool ac, Dims x, int64_t oh, int64_t ow) {
  ResizeAttrs a;
  a.mode = mode;
  a.alignCorners = ac;
  a.size = {Dim::constant(oh), Dim::constant(ow)};
  Dims y = x;
  y[y.size() - 2] = oh;
  y[y.size() - 1] = ow;
  return Case{std::move(name), OpKind::Resize, a, {x}, y};
}

inline std::vector<Case> resizeCases() {
  auto N = ResizeMode::Nearest, B = ResizeMode::Bilinear;
  return {
      resize("nearest_up2", N, false, {1, 3, 5, 7}, 10, 14),
      resize("nearest_up3", N, false, {2, 2, 4, 3}, 12, 9),
      resize("nearest_up_mixed_int", N, false, {1, 2, 4, 5}, 8, 15),
      resize("nearest_identity", N, false, {1, 2, 6, 7}, 6, 7),
      resize("nearest_up_nonint", N, false, {1, 3, 5, 7}, 8, 11),
      resize("nearest_down2", N, false, {1, 3, 12, 14}, 6, 7),
      resize("nearest_down_nonint", N, false, {1, 3, 13, 17}, 5, 6),
      resize("nearest_up_h_down_w", N, false, {1, 2, 5, 16}, 10, 7),
      resize("nearest_one_pixel_up", N, false, {1, 3, 1, 1}, 4, 5),
      resize("nearest_rank3", N, false, {3, 5, 7}, 9, 4),
      resize("nearest_image_down", N, false, {1, 3, 60, 39}, 25, 17),
      resize("bilinear_up2", B, false, {1, 3, 5, 7}, 10, 14),
      resize("bilinear_up_nonint", B, false, {1, 3, 5, 7}, 8, 11),
      resize("bilinear_down2", B, false, {1, 3, 12, 14}, 6, 7),
      resize("bilinear_down_nonint", B, false, {1, 3, 13, 17}, 5, 6),
      resize("bilinear_one_pixel", B, false, {1, 2, 1, 1}, 4, 4),
      resize("bilinear_to_one", B, false, {1, 2, 6, 5}, 1, 1),
      resize("bilinear_image_up", B, false, {1, 3, 30, 20}, 60, 39),
      resize("bilinear_blocked", B, false, {1, 32, 7, 9}, 14, 18),
      resize("bilinear_ac_up2", B, true, {1, 3, 5, 7}, 10, 14),
      resize("bilinear_ac_up_nonint", B, true, {1, 3, 5, 7}, 8, 11),
      resize("bilinear_ac_down", B, true, {1, 3, 13, 17}, 5, 6),
      resize("bilinear_ac_to_one", B, true, {1, 2, 6, 5}, 1, 3),
      resize("bilinear_ac_rank3", B, true, {2, 4, 4}, 7, 7),
  };
}

} // namespace llie::bt::tables
