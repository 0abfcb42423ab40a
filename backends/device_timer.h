// Device-side timing for the profiler. A backend whose kernels run asynchronously on a device
// (cuda) also implements DeviceTimed, handing out a DeviceTimer; the executor then marks the
// device's queue before the first node and after each node of a profiled run, without waiting in
// between, and reads the marks once at the end. Backends without one (cpu, reference) are timed
// with host clocks around each kernel and a synchronize() after it.
#pragma once
#include "backends/backend.h"

#include <memory>
#include <vector>

namespace llie {

class DeviceTimer {
public:
  virtual ~DeviceTimer() = default;
  /// Forgets the marks of the previous run.
  virtual void reset() = 0;
  /// Records a mark after the work queued so far.
  virtual void mark() = 0;
  /// Waits for the device, then gives the milliseconds from the first mark to each mark.
  virtual std::vector<double> elapsedMs() = 0;
};

/// Implemented, next to Backend, by a backend that times its kernels on the device.
class DeviceTimed {
public:
  virtual ~DeviceTimed() = default;
  virtual std::unique_ptr<DeviceTimer> makeTimer() = 0;
};

/// The backend's device timer; null for a backend that has none.
inline std::unique_ptr<DeviceTimer> makeDeviceTimer(Backend& b) {
  auto* t = dynamic_cast<DeviceTimed*>(&b);
  return t ? t->makeTimer() : nullptr;
}

} // namespace llie
