// The cpu registrations of the shared host kernels that have a channels-last variant: slice,
// reduce_grad and resize_grad. Each factory asks the layout analysis (layout.h) whether the
// node's result is stored NHWC and builds the variant that reads and writes that layout, else the
// plain kernel. Registered after the shared families, whose plain factories these replace.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/host_data_movement.h"
#include "backends/host_grad_movement.h"
#include "backends/train/train_kernels.h"

namespace llie::cpu {
namespace {

template <kernels::HostFactory Plain, kernels::HostFactory ChannelsLast>
Expected<std::unique_ptr<Kernel>> byLayout(const Graph& g, const Node& n) {
  return channelsLastValues(g)[n.outputs[0]] ? ChannelsLast(g, n) : Plain(g, n);
}

} // namespace

void registerChannelsLastHost(Registry& r) {
  r.addHost<byLayout<host::makeGather, host::makeSliceChannelsLast>>(OpKind::Slice);
  r.addHost<byLayout<train::makeReduceGrad, train::makeReduceGradChannelsLast>>(OpKind::ReduceGrad);
  r.addHost<byLayout<host::makeResizeGrad, host::makeResizeGradChannelsLast>>(OpKind::ResizeGrad);
}

} // namespace llie::cpu
