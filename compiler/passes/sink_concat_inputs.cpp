// sink-concat-inputs (see sink_concat_inputs.h): try each candidate move in place, keep it when
// the most bytes live at once drop, else move the node back; start over until no move helps.
#include "compiler/passes/sink_concat_inputs.h"
#include "compiler/passes/graph_rewrite.h"
#include "compiler/passes/memory_plan.h"
#include "compiler/passes/memory_requests.h"

#include <algorithm>

namespace llie {
namespace {

size_t liveBytesPeak(const Graph& g, const std::vector<bool>& concatsInPlace) {
  return peakLiveBytes(memoryRequests(g, concatsInPlace).buffers);
}

/// Node `from` moved to index `to`, the nodes between shifting one place towards `from`'s; the
/// producers of their outputs and the per-node flags follow.
void moveNode(Graph& g, std::vector<bool>& flags, NodeId from, NodeId to) {
  const NodeId lo = std::min(from, to), hi = std::max(from, to);
  auto rotate = [&](auto& v) {
    if (from < to)
      std::rotate(v.begin() + lo, v.begin() + lo + 1, v.begin() + hi + 1);
    else
      std::rotate(v.begin() + lo, v.begin() + hi, v.begin() + hi + 1);
  };
  rotate(g.nodes);
  if (static_cast<size_t>(hi) < flags.size()) rotate(flags);
  for (NodeId i = lo; i <= hi; ++i)
    for (ValueId v : g.nodes[i].outputs)
      g.values[v].producer = i;
}

/// One move that lowers the peak, applied to `g`; false when none does.
bool sinkOne(Graph& g, std::vector<bool>& inPlace, size_t& peak) {
  const auto users = g.users();
  for (size_t c = 0; c < g.nodes.size() && c < inPlace.size(); ++c) {
    if (!inPlace[c] || g.nodes[c].dead || g.nodes[c].op != OpKind::Concat) continue;
    const std::vector<ValueId> inputs = g.nodes[c].inputs; // (the moves shuffle the nodes)
    for (ValueId v : inputs) {
      const NodeId p = g.values[v].producer, to = static_cast<NodeId>(c) - 1;
      if (p < 0 || p >= to || users[v].size() != 1 || isGraphOutput(g, v)) continue;
      const Node& pn = g.nodes[p];
      if (pn.dead || pn.outputs.size() != 1 || opInfo(pn.op).category == OpCategory::Source)
        continue;
      moveNode(g, inPlace, p, to);
      const size_t moved = liveBytesPeak(g, inPlace);
      if (moved < peak) {
        peak = moved;
        return true;
      }
      moveNode(g, inPlace, to, p);
    }
  }
  return false;
}

} // namespace

int sinkConcatInputs(Graph& g, std::vector<bool>& concatsInPlace) {
  size_t peak = liveBytesPeak(g, concatsInPlace);
  int moved = 0;
  while (sinkOne(g, concatsInPlace, peak))
    ++moved;
  return moved;
}

} // namespace llie
