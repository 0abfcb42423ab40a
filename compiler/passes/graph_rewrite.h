// Small tools shared by the rewriting passes (fold-batchnorm, fuse-epilogue, batchnorm-to-affine,
// cse, fuse-elementwise): appending a node whose output type comes from its op's shape rule,
// scalar constants, use queries, and restoring the graph's topological order after a pass
// appended nodes that earlier nodes now read.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie {

/// Appends a single-output node typed by its shape rule (an internal error if the rule refuses:
/// passes only build what they have checked). The node carries `spans`.
ValueId addTyped(Graph& g, OpKind op, Attrs attrs, std::vector<ValueId> inputs,
                 const std::vector<SourceSpan>& spans);
/// A scalar (shape []) f32 constant.
ValueId addScalar(Graph& g, double value, const std::vector<SourceSpan>& spans);
/// reshape(v, dims) with constant dims.
ValueId addReshape(Graph& g, ValueId v, const std::vector<int64_t>& dims,
                   const std::vector<SourceSpan>& spans);

/// Whether `v` is one of the graph's named outputs.
bool isGraphOutput(const Graph& g, ValueId v);
/// The live node that is the only reader of `v`, or -1 (no reader, several, or a graph output).
NodeId soleUser(const Graph& g, ValueId v);

/// A fusion's bookkeeping: the producer of `v` takes over `consumer`, the sole reader of `v`
/// whose work it now does. It gains the consumer's source spans and its output's name; every
/// reader of the consumer's output reads `v` instead; the consumer dies. (The caller sets the
/// producer's attributes, extra inputs and, if it changed, `v`'s type.)
void absorbConsumer(Graph& g, ValueId v, NodeId consumer);

/// Re-sorts the nodes so that every producer precedes its readers, keeping the current order
/// wherever it is already valid (passes append nodes that earlier nodes then read).
void restoreTopologicalOrder(Graph& g);

/// A rewriting pass's ending: when it changed the graph (`rewritten` > 0), re-sorts it
/// (restoreTopologicalOrder) and drops its dead nodes (Graph::compact). Returns `rewritten`.
int settleRewrites(Graph& g, int rewritten);

} // namespace llie
