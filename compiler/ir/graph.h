// The graph IR: an SSA dataflow graph. Nodes (an op kind, its typed attributes, input values,
// output values, the source spans it came from) are stored in a topological order; Values are
// typed tensors produced by exactly one node. Inputs, parameters, state and constants are
// source nodes, so the graph is self-describing. Ids index the node and value arrays; a node
// removed by a pass is marked dead and dropped by compact().
#pragma once
#include "compiler/ir/op.h"
#include "compiler/ir/train_config.h"
#include "compiler/support/source_span.h"
#include "compiler/support/status.h"

#include <string>
#include <vector>

namespace llie {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;

struct Value {
  TensorType type;
  NodeId producer = -1;
  int32_t outIndex = 0;
  std::string name; ///< the .llie variable it was bound to, for dumps ("" when none)
};

struct Node {
  OpKind op = OpKind::Constant;
  Attrs attrs;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::vector<SourceSpan> spans; ///< several after fusion
  bool dead = false;
  SourceSpan span() const { return spans.empty() ? SourceSpan{} : spans[0]; }
};

/// A named output of the graph (the enhanced image, a loss term, ...).
struct GraphOutput {
  std::string name;
  ValueId value;
};

/// `require S % divisor == 0`, kept with its span for messages.
struct Constraint {
  int32_t symbol;
  int64_t divisor;
  SourceSpan span;
};

enum class GraphKind : uint8_t { Inference, Training };

class Graph {
public:
  std::string entry; ///< the model/train entry it was elaborated from
  GraphKind kind = GraphKind::Inference;
  SymbolTable symbols;
  std::vector<Constraint> constraints;
  std::vector<Node> nodes;
  std::vector<Value> values;
  std::vector<GraphOutput> outputs;
  TrainConfig train; ///< training entries: the declared settings

  /// Appends a node with outputs of the given types; returns its id. Inputs must already exist.
  NodeId addNode(OpKind op, Attrs attrs, std::vector<ValueId> inputs,
                 std::vector<TensorType> outputTypes, std::vector<SourceSpan> spans = {});
  /// Convenience for single-output nodes: returns the output value.
  ValueId add(OpKind op, Attrs attrs, std::vector<ValueId> inputs, TensorType outType,
              SourceSpan span = {});

  const Value& value(ValueId v) const { return values[v]; }
  Value& value(ValueId v) { return values[v]; }
  const Node& producer(ValueId v) const { return nodes[values[v].producer]; }
  const TensorType& type(ValueId v) const { return values[v].type; }

  /// Live nodes of the given op kind, in order.
  std::vector<NodeId> nodesOf(OpKind op) const;
  /// For every value, the live nodes that read it (recomputed on each call).
  std::vector<std::vector<NodeId>> users() const;
  /// Replaces every use of `from` (node inputs and graph outputs) with `to`.
  void replaceAllUses(ValueId from, ValueId to);
  /// Drops dead nodes and unreferenced values, renumbering ids; keeps order.
  void compact();
  /// Finds a param/state node by its dotted name, or -1.
  NodeId findParam(const std::string& name) const;
};

/// Typed access to a node's attributes: `attrsOf<Conv2dAttrs>(node)`.
template <class T> T& attrsOf(Node& n) {
  return std::get<T>(n.attrs);
}
template <class T> const T& attrsOf(const Node& n) {
  return std::get<T>(n.attrs);
}

} // namespace llie
