// The fused_elementwise kernel both host backends share: the node's program (parsed once, when
// the kernel is prepared) runs over blocks of output elements, one tight loop per op into small
// per-thread buffers, the blocks spread over OpenMP threads. Each op computes in float the
// formula of its own cpu kernel (oneDNN's eltwise and binary definitions; the host loops'
// double-then-round for sign, sin, cos, acos, pow and atan2): bit for bit but for exp, log, tanh
// and erf, which come from libm instead of oneDNN's approximations. The reference backend runs
// the same loop and is tested against the unfused graph.
#pragma once
#include "backends/kernel_registry.h"

namespace llie::host {

Expected<std::unique_ptr<Kernel>> makeFusedElementwise(const Graph& g, const Node& n);

template <class... Ctx> void registerFusedElementwise(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeFusedElementwise>(OpKind::FusedElementwise);
}

} // namespace llie::host
