// CUDA-event timer for the profiler (see cuda_timer.h). The events are created once, as the
// first runs need them, and reused by later runs; every call is checked and throws CudaError
// (the executor turns that into an error value).
#include "backends/cuda/cuda_timer.h"
#include "backends/cuda/cuda_check.h"

#include <vector>

namespace llie::cuda {
namespace {

class EventTimer : public DeviceTimer {
public:
  explicit EventTimer(CudaCtxPtr ctx) : ctx_(std::move(ctx)) {}
  ~EventTimer() override {
    // Destructors do not throw: a failure here can only come from a device already in error.
    for (cudaEvent_t e : events_)
      cudaEventDestroy(e);
  }

  void reset() override { used_ = 0; }

  void mark() override {
    if (used_ == events_.size()) {
      cudaEvent_t e = nullptr;
      LLIE_CUDA_CHECK(cudaEventCreate(&e));
      events_.push_back(e);
    }
    LLIE_CUDA_CHECK(cudaEventRecord(events_[used_], ctx_->stream));
    ++used_;
  }

  std::vector<double> elapsedMs() override {
    std::vector<double> ms;
    if (used_ == 0) return ms;
    LLIE_CUDA_CHECK(cudaEventSynchronize(events_[used_ - 1]));
    ms.reserve(used_);
    for (size_t i = 0; i < used_; ++i) {
      float t = 0.f;
      LLIE_CUDA_CHECK(cudaEventElapsedTime(&t, events_[0], events_[i]));
      ms.push_back(t);
    }
    return ms;
  }

private:
  CudaCtxPtr ctx_;
  std::vector<cudaEvent_t> events_; ///< created on demand, reused run after run
  size_t used_ = 0;                 ///< marks recorded since reset()
};

} // namespace

std::unique_ptr<DeviceTimer> makeEventTimer(const CudaCtxPtr& ctx) {
  return std::make_unique<EventTimer>(ctx);
}

} // namespace llie::cuda
