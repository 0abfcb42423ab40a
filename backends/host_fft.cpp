// FFTW kernels (host_fft.h). One plan per node for a single H×W plane, made once at prepare time
// on buffers from fftwf_malloc; run() hands each plane to an OpenMP thread, which copies it into
// its own aligned scratch pair, executes the plan on that pair (fftwf_execute_dft_*: thread-safe,
// same alignment as planned) and writes the result back with the op's column weights applied
// (after an r2c, before a c2r). The scratch copy also keeps the c2r, which destroys its input,
// away from the graph's tensors.
#include "backends/host_fft.h"

#include "backends/fft_geometry.h"
#include "backends/kernel_util.h"

#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <mutex>

namespace llie::host {
namespace {

/// FFTW's planner and plan destruction are not thread-safe.
std::mutex& plannerLock() {
  static std::mutex m;
  return m;
}

/// One thread's aligned buffers: a real plane and its half spectrum.
struct Scratch {
  float* real = nullptr;
  fftwf_complex* spec = nullptr;
};

class FftwKernel : public Kernel {
public:
  explicit FftwKernel(fft::Geometry geo) : geo_(std::move(geo)) {}
  ~FftwKernel() override {
    {
      std::lock_guard<std::mutex> lock(plannerLock());
      if (plan_) fftwf_destroy_plan(plan_);
    }
    for (Scratch& s : scratch_) {
      fftwf_free(s.real);
      fftwf_free(s.spec);
    }
  }

  /// Allocates the scratch of `threads` threads and plans on the first pair; false on failure.
  bool init(int threads) {
    const size_t hw = static_cast<size_t>(geo_.H * geo_.W),
                 hwh = static_cast<size_t>(geo_.H * geo_.Wh);
    for (int t = 0; t < threads; ++t) {
      Scratch s{fftwf_alloc_real(hw), fftwf_alloc_complex(hwh)};
      scratch_.push_back(s);
      if (!s.real || !s.spec) return false;
    }
    const int H = static_cast<int>(geo_.H), W = static_cast<int>(geo_.W);
    std::lock_guard<std::mutex> lock(plannerLock());
    plan_ = geo_.toComplex
                ? fftwf_plan_dft_r2c_2d(H, W, scratch_[0].real, scratch_[0].spec, FFTW_ESTIMATE)
                : fftwf_plan_dft_c2r_2d(H, W, scratch_[0].spec, scratch_[0].real,
                                        FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
    return plan_ != nullptr;
  }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const float* x = in[0]->f32();
    float* y = out[0]->f32();
    const int threads = static_cast<int>(scratch_.size());
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (int64_t p = 0; p < geo_.planes; ++p) {
      const Scratch& s = scratch_[omp_get_thread_num()];
      if (geo_.toComplex)
        forwardPlane(x, y, p, s);
      else
        inversePlane(x, y, p, s);
    }
  }

private:
  // x: planes of H×W floats; z: planes of H×Wh (re, im) pairs.
  void forwardPlane(const float* x, float* z, int64_t p, const Scratch& s) const {
    const int64_t hw = geo_.H * geo_.W, hwh = geo_.H * geo_.Wh;
    std::copy(x + p * hw, x + (p + 1) * hw, s.real);
    fftwf_execute_dft_r2c(plan_, s.real, s.spec);
    float* zp = z + 2 * p * hwh;
    for (int64_t k = 0; k < geo_.H; ++k)
      for (int64_t l = 0; l < geo_.Wh; ++l) {
        const int64_t i = k * geo_.Wh + l;
        const double w = geo_.weight[l];
        zp[2 * i] = static_cast<float>(w * s.spec[i][0]);
        zp[2 * i + 1] = static_cast<float>(w * s.spec[i][1]);
      }
  }

  void inversePlane(const float* z, float* y, int64_t p, const Scratch& s) const {
    const int64_t hw = geo_.H * geo_.W, hwh = geo_.H * geo_.Wh;
    const float* zp = z + 2 * p * hwh;
    for (int64_t k = 0; k < geo_.H; ++k)
      for (int64_t l = 0; l < geo_.Wh; ++l) {
        const int64_t i = k * geo_.Wh + l;
        const double w = geo_.weight[l];
        s.spec[i][0] = static_cast<float>(w * zp[2 * i]);
        s.spec[i][1] = static_cast<float>(w * zp[2 * i + 1]);
      }
    fftwf_execute_dft_c2r(plan_, s.spec, s.real);
    std::copy(s.real, s.real + hw, y + p * hw);
  }

  fft::Geometry geo_;
  fftwf_plan plan_ = nullptr;
  std::vector<Scratch> scratch_;
};

} // namespace

Expected<std::unique_ptr<Kernel>> makeFftw(const Graph& g, const Node& n) {
  LLIE_ASSIGN_OR_RETURN(fft::Geometry geo, fft::geometryOf(g, n));
  if (geo.planes == 0) return kernels::noopKernel();
  // One thread per plane, but only when the transform is big enough to pay for a team.
  constexpr int64_t kParallelMin = 1 << 15;
  const bool big = geo.planes > 1 && geo.planes * geo.H * geo.W >= kParallelMin;
  const int threads =
      big ? static_cast<int>(std::min<int64_t>(geo.planes, std::max(1, omp_get_max_threads()))) : 1;
  auto k = std::make_unique<FftwKernel>(std::move(geo));
  if (!k->init(threads)) return kernels::badNode(n, "FFTW could not plan this transform");
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace llie::host
