// What the memory planner is asked for a specialised graph (every shape constant): one buffer
// request per value, its lifetime in steps (step = node index). Sources (inputs, parameters,
// state, constants) are pinned for the whole run, graph outputs live to the end (until read),
// a read of an input that lends only its shape (inputIsShapeOnly) does not extend its life,
// an assign's output is the state it writes, so it aliases that state and asks for no bytes of
// its own, and the output of an op that may work in place (kInplace: elementwise ops write their
// first input's buffer) aliases that input when the node is its last reader. The executor plans its arena from these requests and the memory report reads the
// same ones, so the report's prediction is the executor's layout.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/passes/memory_plan.h"

#include <vector>

namespace llie {

struct MemoryRequests {
  std::vector<BufferRequest> buffers; ///< one per value (bytes 0 for an alias)
  std::vector<ValueId> aliasOf;       ///< per value: the value whose bytes it shares, or kNoValue
  std::vector<bool> pinned;           ///< per value: lives for the whole run (a source's output)
};

/// Bytes of a value of a specialised graph (its shape must be constant).
size_t valueBytes(const Graph& g, ValueId v);

MemoryRequests memoryRequests(const Graph& specialized);

} // namespace llie
