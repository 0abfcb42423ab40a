// The cuda backend's entry points, free of CUDA headers so that createBackend
// (backends/backend.cpp) can call them without the CUDA include directories.
#pragma once
#include "backends/backend.h"

namespace llie::cuda {

/// The cuda backend on device 0; an error value ("no CUDA device: ...") without one.
Expected<std::unique_ptr<Backend>> makeCudaBackend();

/// Whether the cuda backend would prepare `n` (a non-source node): ok, or the "op 'X' is not
/// supported by the cuda backend (why)" error with the node's span. Needs no device.
Status checkNode(const Graph& g, const Node& n);

} // namespace llie::cuda
