// sink-concat-inputs (see sink_concat_inputs.h): try each candidate move on a copy of the graph,
// keep it when the planner's lower bound drops, and start over until no move helps.
#include "compiler/passes/sink_concat_inputs.h"
#include "compiler/passes/graph_rewrite.h"
#include "compiler/passes/memory_plan.h"
#include "compiler/passes/memory_requests.h"

#include <algorithm>

namespace llie {
namespace {

/// The most bytes live at one step. (The aliases' empty requests are left out: the planner gives
/// each a slot of one alignment unit, which would make moves that only shift aliases look
/// useful.)
size_t liveBytesPeak(const Graph& g, const ConcatsInPlace& concatsInPlace) {
  std::vector<BufferRequest> buffers = memoryRequests(g, concatsInPlace(g)).buffers;
  std::erase_if(buffers, [](const BufferRequest& b) { return b.bytes == 0; });
  return planMemory(buffers).lowerBound;
}

/// Node `from` moved to just before node `before` (from < before); the nodes between move up
/// one place, and the producers of their outputs follow.
void moveBefore(Graph& g, NodeId from, NodeId before) {
  std::rotate(g.nodes.begin() + from, g.nodes.begin() + from + 1, g.nodes.begin() + before);
  for (NodeId i = from; i < before; ++i)
    for (ValueId v : g.nodes[i].outputs)
      g.values[v].producer = i;
}

/// One move that lowers the peak, applied to `g`; false when none does.
bool sinkOne(Graph& g, const ConcatsInPlace& concatsInPlace, size_t& peak) {
  const std::vector<bool> inPlace = concatsInPlace(g);
  const auto users = g.users();
  for (size_t c = 0; c < g.nodes.size() && c < inPlace.size(); ++c) {
    if (!inPlace[c] || g.nodes[c].dead || g.nodes[c].op != OpKind::Concat) continue;
    for (ValueId v : g.nodes[c].inputs) {
      const NodeId p = g.values[v].producer;
      if (p < 0 || p + 1 >= static_cast<NodeId>(c) || users[v].size() != 1 || isGraphOutput(g, v))
        continue;
      const Node& pn = g.nodes[p];
      if (pn.dead || pn.outputs.size() != 1 || opInfo(pn.op).category == OpCategory::Source)
        continue;
      Graph trial = g;
      moveBefore(trial, p, static_cast<NodeId>(c));
      const size_t trialPeak = liveBytesPeak(trial, concatsInPlace);
      if (trialPeak < peak) {
        g = std::move(trial);
        peak = trialPeak;
        return true;
      }
    }
  }
  return false;
}

} // namespace

int sinkConcatInputs(Graph& g, const ConcatsInPlace& concatsInPlace) {
  size_t peak = liveBytesPeak(g, concatsInPlace);
  int moved = 0;
  while (sinkOne(g, concatsInPlace, peak))
    ++moved;
  return moved;
}

} // namespace llie
