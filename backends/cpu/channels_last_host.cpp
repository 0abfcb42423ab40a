// The cpu registrations of the shared host kernels that have a channels-last variant: slice,
// reduce_grad and resize_grad. Each factory asks the layout analysis (layout.h) how the node's
// result is stored and builds the variant that reads and writes that layout (resize_grad also
// nChw16c), else the plain kernel. Registered after the shared families, whose plain factories
// these replace.
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

/// resize_grad in any layout: NHWC and nChw16c are channel groups innermost.
Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n) {
  const Layout layout = activationLayouts(g)[n.outputs[0]];
  if (layout == Layout::Plain) return host::makeResizeGrad(g, n);
  return host::makeResizeGradChannelsInner(g, n,
                                           innerChannels(layout, kernels::inShape(g, n, 0)[1]));
}

} // namespace

void registerChannelsLastHost(Registry& r) {
  r.addHost<byLayout<host::makeGather, host::makeSliceChannelsLast>>(OpKind::Slice);
  r.addHost<byLayout<train::makeReduceGrad, train::makeReduceGradChannelsLast>>(OpKind::ReduceGrad);
  r.addHost<makeResizeGrad>(OpKind::ResizeGrad);
}

} // namespace llie::cpu
