// The cuda backend's profiling timer (DeviceTimer): CUDA events recorded on the context's stream
// before the first node and after each node of a run, read once the run has finished, so that
// profiling measures the device's own time per node without a synchronisation between nodes.
#pragma once
#include "backends/cuda/cuda_context.h"
#include "backends/device_timer.h"

namespace llie::cuda {

std::unique_ptr<DeviceTimer> makeEventTimer(const CudaCtxPtr& ctx);

} // namespace llie::cuda
