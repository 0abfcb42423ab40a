// The data-movement kernel family both host backends share, since it moves floats without any
// arithmetic (nothing here could make the reference a weaker oracle): reshape and stop_grad
// (copies), permute / slice / expand (strided gathers) and pad of the last two axes.
#pragma once
#include "backends/kernel_registry.h"

namespace llie::host {

Expected<std::unique_ptr<Kernel>> makeCopy(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makePermute(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeSlice(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeExpand(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makePad(const Graph& g, const Node& n);

template <class... Ctx> void registerDataMovement(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeCopy>(OpKind::Reshape);
  r.template addHost<makeCopy>(OpKind::StopGrad);
  r.template addHost<makePermute>(OpKind::Permute);
  r.template addHost<makeSlice>(OpKind::Slice);
  r.template addHost<makeExpand>(OpKind::Expand);
  r.template addHost<makePad>(OpKind::Pad);
}

} // namespace llie::host
