// What the memory planner is asked for a specialised graph (every shape constant): one buffer
// request per value, its lifetime in steps (step = node index). Sources (inputs, parameters,
// state, constants) are pinned for the whole run, graph outputs live to the end (until read),
// a read of an input that lends only its shape (inputIsShapeOnly) does not extend its life,
// an assign's output is the state it writes, so it aliases that state and asks for no bytes of
// its own, and the output of an op that may work in place (kInplace: elementwise ops write their
// first input's buffer) aliases that input when the node is its last reader. A concat that the
// backend stores as its inputs' bytes one after another (Backend::concatsInPlace) has its inputs
// placed inside its own buffer, each at its byte offset, so their producers write the concat's
// result and the concat copies nothing; the concat's buffer then lives from its first input's
// step. The executor plans its arena from these requests and the memory report reads the same
// ones, so the report's prediction is the executor's layout.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/passes/memory_plan.h"

#include <vector>

namespace llie {

struct MemoryRequests {
  std::vector<BufferRequest> buffers; ///< one per value (bytes 0 for an alias)
  std::vector<ValueId> aliasOf;       ///< per value: the value whose bytes it shares, or kNoValue
  std::vector<size_t> aliasOffset;    ///< per value: where in aliasOf's bytes it starts
  std::vector<bool> pinned;           ///< per value: lives for the whole run (a source's output)
};

/// Bytes of a value of a specialised graph (its shape must be constant).
size_t valueBytes(const Graph& g, ValueId v);

/// `concatsInPlace`: per node, a concat whose inputs may be placed inside its output (empty:
/// none).
MemoryRequests memoryRequests(const Graph& specialized,
                              const std::vector<bool>& concatsInPlace = {});

} // namespace llie
