// Reorder (reorder.h): recognises NHWC <-> nChw16c with C % 16 == 0 and copies 64-byte channel
// blocks, a chunk of pixels at a time (the chunk's NHWC rows stay in cache while each of its
// C/16 blocked runs is written), chunks spread over the OpenMP threads; else oneDNN's reorder.
#include "backends/cpu/reorder.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

namespace llie::cpu {
namespace {

using dnnl::memory;

bool isLayout(const memory::desc& md, memory::format_tag tag) {
  const memory::dims d = md.dims();
  return d.size() == 4 && md.data_type() == memory::data_type::f32 &&
         md == memory::desc(d, memory::data_type::f32, tag);
}

} // namespace

void copyNhwcBlocked16(const float* from, float* to, int64_t n, int64_t c, int64_t hw,
                       bool toBlocked) {
  constexpr int64_t kPixels = 64;
  const int64_t blocks = c / 16, chunks = (hw + kPixels - 1) / kPixels;
#pragma omp parallel for collapse(2) schedule(static) if (n * c * hw > 32768)
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < chunks; ++k) {
      const int64_t p0 = k * kPixels, p1 = std::min(hw, p0 + kPixels);
      for (int64_t cb = 0; cb < blocks; ++cb) {
        const int64_t nhwc = (b * hw + p0) * c + cb * 16,
                      blocked = ((b * blocks + cb) * hw + p0) * 16;
        const float* s = from + (toBlocked ? nhwc : blocked);
        float* d = to + (toBlocked ? blocked : nhwc);
        const int64_t ss = toBlocked ? c : 16, ds = toBlocked ? 16 : c;
        for (int64_t p = p0; p < p1; ++p, s += ss, d += ds)
          std::memcpy(d, s, 16 * sizeof(float));
      }
    }
}

Reorder::Reorder(const memory& from, const memory& to) {
  const memory::desc a = from.get_desc(), b = to.get_desc();
  const memory::dims d = a.dims();
  const bool blockable = d.size() == 4 && d[1] % 16 == 0 && a.dims() == b.dims();
  if (blockable && isLayout(a, memory::format_tag::nhwc) &&
      isLayout(b, memory::format_tag::nChw16c))
    kind_ = Kind::ToBlocked;
  else if (blockable && isLayout(a, memory::format_tag::nChw16c) &&
           isLayout(b, memory::format_tag::nhwc))
    kind_ = Kind::FromBlocked;
  if (kind_ == Kind::Dnnl) {
    re_ = dnnl::reorder(from, to);
    return;
  }
  n_ = d[0];
  c_ = d[1];
  hw_ = d[2] * d[3];
}

void Reorder::execute(dnnl::stream& s, const memory& from, const memory& to) const {
  if (kind_ == Kind::Dnnl) {
    re_.execute(s, const_cast<memory&>(from), const_cast<memory&>(to));
    return;
  }
  copyNhwcBlocked16(static_cast<const float*>(from.get_data_handle()),
                    static_cast<float*>(to.get_data_handle()), n_, c_, hw_,
                    kind_ == Kind::ToBlocked);
}

} // namespace llie::cpu
