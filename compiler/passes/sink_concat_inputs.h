// sink-concat-inputs: a scheduling step for a specialised graph, run where the backend's memory
// layout is known (the executor, and llie-compile's memory report and HTML view). A concat that
// the backend stores in place (Backend::concatsInPlace) has its inputs placed inside its buffer,
// which then lives from the earliest of their producers on. A model written top-down often
// computes such an input long before its concat (an FPN's skip conv next to the level it reads,
// consumed by the decoder much later), and then the whole concat lives across everything in
// between. This moves the producer of each such input, when the concat is its only reader, down
// to just before the concat, and keeps the move only when it lowers the most bytes live at once
// (peakLiveBytes of memoryRequests). Values are unchanged: only the order of nodes moves.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie {

/// Moves producers of in-place concats' inputs next to their concat where that lowers the peak
/// of live bytes (see above); returns how many nodes moved. `g` must be specialised;
/// `concatsInPlace` is Backend::concatsInPlace(g), one flag per node, and moves with the nodes
/// (a node's flag does not depend on the order), so it stays the answer for the moved graph.
int sinkConcatInputs(Graph& g, std::vector<bool>& concatsInPlace);

} // namespace llie
