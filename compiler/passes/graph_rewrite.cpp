// Shared rewrite tools (see graph_rewrite.h).
#include "compiler/passes/graph_rewrite.h"
#include "compiler/ops/shape_rules.h"

#include <functional>

namespace llie {

ValueId addTyped(Graph& g, OpKind op, Attrs attrs, std::vector<ValueId> inputs,
                 const std::vector<SourceSpan>& spans) {
  std::vector<TensorType> ins;
  for (ValueId v : inputs)
    ins.push_back(g.type(v));
  auto types = inferTypes(op, attrs, ins, g.symbols);
  LLIE_CHECK(types.ok() && types->size() == 1,
             std::string("a pass built an ill-typed ") + opName(op) +
                 (types.ok() ? std::string() : ": " + types.status().message()));
  NodeId id = g.addNode(op, std::move(attrs), std::move(inputs), std::move(*types), spans);
  return g.nodes[id].outputs[0];
}

ValueId addScalar(Graph& g, double value, const std::vector<SourceSpan>& spans) {
  ConstantAttrs c;
  c.value = value;
  NodeId id = g.addNode(OpKind::Constant, c, {}, {TensorType{DType::F32, {}}}, spans);
  return g.nodes[id].outputs[0];
}

ValueId addReshape(Graph& g, ValueId v, const std::vector<int64_t>& dims,
                   const std::vector<SourceSpan>& spans) {
  ReshapeAttrs r;
  for (int64_t d : dims)
    r.shape.push_back(Dim::constant(d));
  return addTyped(g, OpKind::Reshape, r, {v}, spans);
}

bool isGraphOutput(const Graph& g, ValueId v) {
  for (auto& o : g.outputs)
    if (o.value == v) return true;
  return false;
}

NodeId soleUser(const Graph& g, ValueId v) {
  if (isGraphOutput(g, v)) return -1;
  NodeId user = -1;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    for (ValueId in : n.inputs) {
      if (in != v) continue;
      if (user >= 0 && user != static_cast<NodeId>(i)) return -1;
      user = static_cast<NodeId>(i);
    }
  }
  return user;
}

void absorbConsumer(Graph& g, ValueId v, NodeId consumer) {
  Node& producer = g.nodes[g.value(v).producer];
  const Node& c = g.nodes[consumer];
  producer.spans.insert(producer.spans.end(), c.spans.begin(), c.spans.end());
  const ValueId y = c.outputs[0];
  if (!g.value(y).name.empty()) g.value(v).name = g.value(y).name;
  g.nodes[consumer].dead = true;
  g.replaceAllUses(y, v);
}

void restoreTopologicalOrder(Graph& g) {
  // Depth-first from each node in the current order, emitting producers before readers: a node
  // already in a valid place keeps its relative position.
  std::vector<NodeId> order;
  std::vector<uint8_t> state(g.nodes.size(), 0); // 0 new, 1 on the stack, 2 emitted
  std::function<void(NodeId)> visit = [&](NodeId i) {
    if (state[i] == 2) return;
    LLIE_CHECK(state[i] == 0, "restoreTopologicalOrder: the graph has a cycle");
    state[i] = 1;
    for (ValueId v : g.nodes[i].inputs)
      visit(g.values[v].producer);
    state[i] = 2;
    order.push_back(i);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i)
    visit(static_cast<NodeId>(i));
  std::vector<Node> sorted;
  sorted.reserve(order.size());
  for (NodeId i : order)
    sorted.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(sorted);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId v : g.nodes[i].outputs)
      g.values[v].producer = static_cast<NodeId>(i);
}

int settleRewrites(Graph& g, int rewritten) {
  if (rewritten) {
    restoreTopologicalOrder(g);
    g.compact();
  }
  return rewritten;
}

} // namespace llie
