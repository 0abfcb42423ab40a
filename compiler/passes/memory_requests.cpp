// Buffer requests of a specialised graph (see memory_requests.h).
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/weight_only.h"

#include <algorithm>

namespace llie {

size_t valueBytes(const Graph& g, ValueId v) {
  const TensorType& t = g.type(v);
  size_t n = 1;
  for (const Dim& d : t.shape)
    n *= static_cast<size_t>(d.off);
  return n * dtypeSize(t.dtype);
}

/// The input whose buffer the node may write its output into, or kNoValue. A residual is summed
/// into the output element by element, so the conv may overwrite it, but only when the conv
/// reads it nowhere else (the pass never fuses conv2d(x) + x).
static ValueId inplaceInput(const Node& n) {
  if (opInfo(n.op).flags & kInplace) return n.inputs[0];
  if (n.op == OpKind::Conv2d && attrsOf<Conv2dAttrs>(n).residual &&
      std::count(n.inputs.begin(), n.inputs.end(), n.inputs.back()) == 1)
    return n.inputs.back();
  return kNoValue;
}

/// Places each input of the concat node `n` that may be placed (an activation with bytes of its
/// own, not yet sharing any, and not repeated among the concat's inputs) inside the concat's
/// buffer at its byte offset: the concat's buffer lives from the earliest such input's step to
/// the last read of any of them.
static void placeConcatInputs(const Graph& g, const Node& n, const std::vector<bool>& weightOnly,
                              MemoryRequests& r) {
  const ValueId c = n.outputs[0];
  if (r.pinned[c] || r.aliasOf[c] != kNoValue) return;
  BufferRequest& owner = r.buffers[c];
  size_t offset = 0;
  for (ValueId v : n.inputs) {
    const size_t bytes = valueBytes(g, v);
    const BufferRequest part = r.buffers[v];
    if (!r.pinned[v] && r.aliasOf[v] == kNoValue && part.bytes == bytes && bytes > 0 &&
        !weightOnly[g.value(v).producer] && std::count(n.inputs.begin(), n.inputs.end(), v) == 1) {
      owner.first = std::min(owner.first, part.first);
      owner.last = std::max(owner.last, part.last);
      for (size_t u = 0; u < r.aliasOf.size(); ++u) // a concat placed in this one moves its inputs
        if (r.aliasOf[u] == v) r.aliasOf[u] = c, r.aliasOffset[u] += offset;
      r.buffers[v] = {0, owner.first, owner.first};
      r.aliasOf[v] = c;
      r.aliasOffset[v] = offset;
    }
    offset += bytes;
  }
}

MemoryRequests memoryRequests(const Graph& g, const std::vector<bool>& concatsInPlace) {
  MemoryRequests r;
  const int32_t end = static_cast<int32_t>(g.nodes.size());
  r.buffers.resize(g.values.size());
  r.aliasOf.assign(g.values.size(), kNoValue);
  r.aliasOffset.assign(g.values.size(), 0);
  r.pinned.assign(g.values.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const int32_t step = static_cast<int32_t>(i);
    bool pinned = opInfo(n.op).category == OpCategory::Source;
    for (ValueId v : n.outputs) {
      r.buffers[v] = {valueBytes(g, v), pinned ? 0 : step, pinned ? end : step};
      r.pinned[v] = pinned;
    }
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (!inputIsShapeOnly(n.op, k))
        r.buffers[n.inputs[k]].last = std::max(r.buffers[n.inputs[k]].last, step);
  }
  for (auto& o : g.outputs)
    r.buffers[o.value].last = end;
  // Weight-only results (computed once per weight load, weight_only.h) read at run time live
  // like parameters; those read only by other weight-only nodes live at a step of their own
  // after the last node, so they may share bytes with activations (dead between runs) but never
  // with parameters or unread outputs.
  const std::vector<bool> weightOnly = weightOnlyNodes(g);
  std::vector<bool> readAtRunTime(g.values.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!weightOnly[i])
      for (ValueId v : g.nodes[i].inputs)
        readAtRunTime[v] = true;
  for (auto& o : g.outputs)
    readAtRunTime[o.value] = true;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (weightOnly[i])
      for (ValueId v : g.nodes[i].outputs) {
        r.buffers[v] = readAtRunTime[v] ? BufferRequest{r.buffers[v].bytes, 0, end}
                                        : BufferRequest{r.buffers[v].bytes, end, end};
        r.pinned[v] = readAtRunTime[v];
      }
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Assign) {
      r.buffers[n.outputs[0]] = {0, 0, 0};
      r.aliasOf[n.outputs[0]] = n.inputs[0];
    }
  for (size_t i = 0; i < g.nodes.size() && i < concatsInPlace.size(); ++i)
    if (concatsInPlace[i] && !g.nodes[i].dead && !weightOnly[i] && g.nodes[i].op == OpKind::Concat)
      placeConcatInputs(g, g.nodes[i], weightOnly, r);
  // In place: an op that may write its first input's buffer (kInplace), or a conv2d its fused
  // residual's, takes those bytes over when this node is the last reader of the buffer that
  // holds them and the two values have the same bytes. The first value of such a chain (or the
  // concat the chain's first value is placed in) owns the bytes and lives until the chain's
  // last read.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || weightOnly[i] || n.outputs.size() != 1) continue;
    const ValueId in = inplaceInput(n), out = n.outputs[0];
    if (in == kNoValue || r.aliasOf[out] != kNoValue) continue;
    const ValueId root = r.aliasOf[in] == kNoValue ? in : r.aliasOf[in];
    BufferRequest& owner = r.buffers[root];
    if (r.pinned[root] || owner.bytes == 0 || owner.last != static_cast<int32_t>(i) ||
        valueBytes(g, in) != r.buffers[out].bytes || g.type(in).dtype != g.type(out).dtype)
      continue;
    owner.last = r.buffers[out].last;
    r.buffers[out] = {0, owner.first, owner.first};
    r.aliasOf[out] = root;
    r.aliasOffset[out] = r.aliasOffset[in];
  }
  return r;
}

} // namespace llie
