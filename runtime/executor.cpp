// Executor (see executor.h).
#include "runtime/executor.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/sink_concat_inputs.h"
#include "compiler/passes/weight_only.h"
#include "runtime/profiler.h"

#include <algorithm>
#include <chrono>
#include <exception>

namespace llie {

Expected<std::unique_ptr<Executor>> Executor::create(Graph g, Backend& backend) {
  for (auto& v : g.values)
    if (!shapeIsConst(v.type.shape))
      return Status::error("internal: executor given a graph with symbolic shapes");
  // The backend's in-place concats decide where their inputs are best computed.
  std::vector<bool> concatsInPlace = backend.concatsInPlace(g);
  sinkConcatInputs(g, concatsInPlace);
  std::unique_ptr<Executor> ex(new Executor(std::move(g), backend));
  const Graph& G = ex->g_;
  // Kernels first: prepare() says why a node is refused (the op, or one of its attributes; the
  // span makes the message point at the .llie line) and how much working memory it needs.
  const std::vector<bool> weightOnly = weightOnlyNodes(G);
  ex->kernels_.resize(G.nodes.size());
  std::vector<std::pair<NodeId, Kernel*>> withWorkspace;
  for (size_t i = 0; i < G.nodes.size(); ++i) {
    const Node& n = G.nodes[i];
    if (n.dead || opInfo(n.op).category == OpCategory::Source) continue;
    auto k = backend.prepare(G, n);
    if (!k) {
      Status st = k.takeStatus();
      for (auto& d : st.diagnostics())
        if (!d.span.valid()) d.span = n.span();
      return st;
    }
    if ((*k)->workspaceBytes() > 0) withWorkspace.push_back({static_cast<NodeId>(i), k->get()});
    if (weightOnly[i])
      ex->weightKernels_.emplace_back(static_cast<NodeId>(i), std::move(*k));
    else
      ex->kernels_[i] = std::move(*k);
  }
  // One arena for every value and every kernel's workspace, placed by the memory planner from
  // lifetimes (memoryRequests; a workspace lives during its node's step only, so it takes bytes
  // that are free then). Weight-only kernels run after the last step.
  MemoryRequests reqs = memoryRequests(G, concatsInPlace);
  std::vector<BufferRequest> buffers = reqs.buffers;
  const int32_t end = static_cast<int32_t>(G.nodes.size());
  for (auto& [i, k] : withWorkspace) {
    int32_t step = weightOnly[i] ? end : static_cast<int32_t>(i);
    buffers.push_back({k->workspaceBytes(), step, step});
  }
  ex->values_.resize(G.values.size());
  for (size_t i = 0; i < G.values.size(); ++i) {
    Tensor& t = ex->values_[i];
    t.dtype = G.values[i].type.dtype;
    t.shape = concreteShape(G.values[i].type);
  }
  ex->plan_ = planMemory(buffers);
  ex->arena_ = static_cast<uint8_t*>(backend.allocate(ex->plan_.arenaBytes));
  if (!ex->arena_)
    return Status::error("out of memory: the plan needs " +
                         std::to_string(ex->plan_.arenaBytes >> 20) + " MiB");
  for (size_t i = 0; i < G.values.size(); ++i)
    ex->values_[i].data = ex->arena_ + ex->plan_.offsets[i];
  for (size_t i = 0; i < G.values.size(); ++i)
    if (reqs.aliasOf[i] != kNoValue)
      ex->values_[i].data =
          static_cast<uint8_t*>(ex->values_[reqs.aliasOf[i]].data) + reqs.aliasOffset[i];
  for (size_t w = 0; w < withWorkspace.size(); ++w)
    withWorkspace[w].second->setWorkspace(ex->arena_ + ex->plan_.offsets[G.values.size() + w]);
  ex->bytes_ = ex->plan_.arenaBytes;
  for (const Node& n : G.nodes) {
    if (n.dead || n.op != OpKind::Constant) continue;
    // A broadcast scalar, or (data non-empty) the row-major values of the declared shape.
    const ConstantAttrs& c = attrsOf<ConstantAttrs>(n);
    const Tensor& t = ex->values_[n.outputs[0]];
    std::vector<float> host(static_cast<size_t>(t.numel()), static_cast<float>(c.value));
    if (!c.data.empty()) {
      if (c.data.size() != host.size())
        return Status::error("constant holds " + std::to_string(c.data.size()) +
                                 " values for a tensor of " + std::to_string(host.size()),
                             n.span());
      std::transform(c.data.begin(), c.data.end(), host.begin(),
                     [](double d) { return static_cast<float>(d); });
    }
    backend.copyIn(t.data, host.data(), t.bytes());
  }
  return ex;
}

Executor::~Executor() {
  if (arena_) backend_.release(arena_);
}

Status Executor::setWeights(const std::map<std::string, HostTensor>& weights) {
  for (const Node& n : g_.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const std::string& name = attrsOf<ParamAttrs>(n).name;
    auto it = weights.find(name);
    if (it == weights.end()) return Status::error("no value for parameter '" + name + "'");
    const Tensor& t = values_[n.outputs[0]];
    if (it->second.shape != t.shape || it->second.dtype != t.dtype)
      return Status::error("parameter '" + name + "' has the wrong shape or dtype");
    backend_.copyIn(t.data, it->second.storage.data(), t.bytes());
  }
  LLIE_RETURN_IF_ERROR(runWeightOnly());
  for (auto& k : kernels_)
    if (k) k->weightsChanged();
  return Status::ok();
}

void Executor::bindArgs(const Node& n, std::vector<const Tensor*>& ins,
                        std::vector<Tensor*>& outs) {
  ins.clear();
  outs.clear();
  for (ValueId v : n.inputs)
    ins.push_back(&values_[v]);
  for (ValueId v : n.outputs)
    outs.push_back(&values_[v]);
}

Status Executor::runKernel(NodeId i, Kernel& k, std::vector<const Tensor*>& ins,
                           std::vector<Tensor*>& outs) {
  const Node& n = g_.nodes[i];
  bindArgs(n, ins, outs);
  try {
    k.run(ins, outs);
  } catch (const std::exception& e) {
    return Status::error(std::string("op '") + opName(n.op) + "' failed while running on the " +
                             backend_.name() + " backend: " + e.what(),
                         n.span());
  }
  return Status::ok();
}

Status Executor::synchronizeBackend(const char* when) {
  try {
    backend_.synchronize();
  } catch (const std::exception& e) {
    return Status::error(std::string("the ") + backend_.name() + " backend failed " + when + ": " +
                         e.what());
  }
  return Status::ok();
}

Status Executor::runWeightOnly() {
  std::vector<const Tensor*> ins;
  std::vector<Tensor*> outs;
  for (auto& [i, k] : weightKernels_)
    LLIE_RETURN_IF_ERROR(runKernel(i, *k, ins, outs));
  if (!weightKernels_.empty())
    LLIE_RETURN_IF_ERROR(synchronizeBackend("while computing the weight-only values"));
  weightOnlyDone_ = true;
  return Status::ok();
}

std::map<std::string, HostTensor> Executor::readWeights() const {
  std::map<std::string, HostTensor> r;
  for (const Node& n : g_.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const Tensor& t = values_[n.outputs[0]];
    HostTensor h(t.shape, t.dtype);
    backend_.copyOut(h.storage.data(), t.data, t.bytes());
    r.emplace(attrsOf<ParamAttrs>(n).name, std::move(h));
  }
  return r;
}

bool Executor::hasInput(const std::string& name) const {
  for (const Node& n : g_.nodes)
    if (!n.dead && n.op == OpKind::Input && attrsOf<InputAttrs>(n).name == name) return true;
  return false;
}

Status Executor::setInput(const std::string& name, const HostTensor& value) {
  for (const Node& n : g_.nodes) {
    if (n.dead || n.op != OpKind::Input || attrsOf<InputAttrs>(n).name != name) continue;
    const Tensor& t = values_[n.outputs[0]];
    if (value.shape != t.shape || value.dtype != t.dtype)
      return Status::error("input '" + name + "' has the wrong shape for this plan");
    backend_.copyIn(t.data, value.storage.data(), t.bytes());
    return Status::ok();
  }
  return Status::error("the graph has no input named '" + name + "'");
}

void Executor::setProfiler(Profiler* p) {
  profiler_ = p;
  if (p && !timer_) timer_ = makeDeviceTimer(backend_);
}

Status Executor::run() {
  // A graph without parameters never sees setWeights.
  if (!weightOnlyDone_) LLIE_RETURN_IF_ERROR(runWeightOnly());
  std::vector<const Tensor*> ins;
  std::vector<Tensor*> outs;
  if (profiler_) return runProfiled(ins, outs);
  for (size_t i = 0; i < g_.nodes.size(); ++i)
    if (kernels_[i])
      LLIE_RETURN_IF_ERROR(runKernel(static_cast<NodeId>(i), *kernels_[i], ins, outs));
  return synchronizeBackend("while finishing the run");
}

Status Executor::runProfiled(std::vector<const Tensor*>& ins, std::vector<Tensor*>& outs) {
  if (timer_) return runDeviceTimed(ins, outs);
  profiler_->beginRun();
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    if (!kernels_[i]) continue;
    const NodeId id = static_cast<NodeId>(i);
    const auto t0 = Profiler::Clock::now();
    LLIE_RETURN_IF_ERROR(runKernel(id, *kernels_[i], ins, outs));
    // Waiting after each node pins an asynchronous device error on the node that caused it.
    Status st = synchronizeBackend("after this node");
    if (!st.isOk())
      return Status::error(std::string("op '") + opName(g_.nodes[i].op) + "': " + st.message(),
                           g_.nodes[i].span());
    profiler_->record(g_, id, ins, outs, t0, Profiler::Clock::now());
  }
  LLIE_RETURN_IF_ERROR(synchronizeBackend("while finishing the run"));
  profiler_->endRun();
  return Status::ok();
}

Status Executor::runDeviceTimed(std::vector<const Tensor*>& ins, std::vector<Tensor*>& outs) {
  // Marks: one before the first node, one after each; node k ran between marks k and k + 1.
  // The device times are laid on the host clock from the run's start for the trace.
  std::vector<NodeId> ran;
  std::vector<double> ms;
  profiler_->beginRun();
  const auto start = Profiler::Clock::now();
  try {
    timer_->reset();
    timer_->mark();
  } catch (const std::exception& e) {
    return Status::error(std::string("profiling on the ") + backend_.name() +
                         " backend: " + e.what());
  }
  for (size_t i = 0; i < g_.nodes.size(); ++i) {
    if (!kernels_[i]) continue;
    const NodeId id = static_cast<NodeId>(i);
    LLIE_RETURN_IF_ERROR(runKernel(id, *kernels_[i], ins, outs));
    try {
      timer_->mark();
    } catch (const std::exception& e) {
      return Status::error(std::string("op '") + opName(g_.nodes[i].op) + "': profiling on the " +
                               backend_.name() + " backend: " + e.what(),
                           g_.nodes[i].span());
    }
    ran.push_back(id);
  }
  try {
    ms = timer_->elapsedMs();
  } catch (const std::exception& e) {
    return Status::error(std::string("the ") + backend_.name() +
                         " backend failed while finishing the run: " + e.what());
  }
  LLIE_RETURN_IF_ERROR(synchronizeBackend("while finishing the run"));
  if (ms.size() != ran.size() + 1)
    return Status::error("internal: the device timer gave " + std::to_string(ms.size()) +
                         " marks for " + std::to_string(ran.size()) + " nodes");
  auto at = [&](double t) {
    return start + std::chrono::duration_cast<Profiler::Clock::duration>(
                       std::chrono::duration<double, std::milli>(t));
  };
  for (size_t k = 0; k < ran.size(); ++k) {
    bindArgs(g_.nodes[ran[k]], ins, outs);
    profiler_->record(g_, ran[k], ins, outs, at(ms[k]), at(ms[k + 1]));
  }
  profiler_->endRun();
  return Status::ok();
}

Expected<HostTensor> Executor::output(const std::string& name) const {
  for (auto& o : g_.outputs) {
    if (o.name != name) continue;
    const Tensor& t = values_[o.value];
    HostTensor h(t.shape, t.dtype);
    backend_.copyOut(h.storage.data(), t.data, t.bytes());
    return h;
  }
  return Status::error("the graph has no output named '" + name + "'");
}

} // namespace llie
