// Reorders between the layouts the cpu kernels store activations in (layout.h) and the ones
// oneDNN's primitives choose. oneDNN 2.6's reorder between NHWC and nChw16c moves 6.7 GB/s
// (into nChw16c) and 11.5 GB/s (back) with 2 threads on this class of CPU, where memcpy moves
// 17; with C % 16 == 0 that reorder only moves whole 64-byte blocks of 16 channels, which our
// own OpenMP loop does at memcpy's speed (64 MiB each way in 7-9 ms).
// Every other pair of layouts (weights, plain NCHW, padded blocks) is oneDNN's reorder.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>

namespace llie::cpu {

class Reorder {
public:
  Reorder() = default;
  /// A reorder of one tensor from the layout of `from` to that of `to`.
  Reorder(const dnnl::memory& from, const dnnl::memory& to);
  /// Runs it between the memories' current data handles (described as at construction).
  void execute(dnnl::stream& s, const dnnl::memory& from, const dnnl::memory& to) const;

private:
  enum class Kind : uint8_t { Dnnl, ToBlocked, FromBlocked };
  Kind kind_ = Kind::Dnnl;
  dnnl::reorder re_;
  int64_t n_ = 0, c_ = 0, hw_ = 0;
};

/// The copy behind Reorder's fast path: x[N, HW, C] (NHWC) <-> x[N, C/16, HW, 16] (nChw16c),
/// C % 16 == 0; `toBlocked` chooses the direction.
void copyNhwcBlocked16(const float* from, float* to, int64_t n, int64_t c, int64_t hw,
                       bool toBlocked);

} // namespace llie::cpu
