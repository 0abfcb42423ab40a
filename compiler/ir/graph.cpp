// Graph construction, use lists and compaction.
#include "compiler/ir/graph.h"

#include <unordered_map>

namespace llie {

NodeId Graph::addNode(OpKind op, Attrs attrs, std::vector<ValueId> inputs,
                      std::vector<TensorType> outputTypes, std::vector<SourceSpan> spans) {
  Node n;
  n.op = op;
  n.attrs = std::move(attrs);
  n.inputs = std::move(inputs);
  n.spans = std::move(spans);
  NodeId id = static_cast<NodeId>(nodes.size());
  for (size_t i = 0; i < outputTypes.size(); ++i) {
    Value v;
    v.type = std::move(outputTypes[i]);
    v.producer = id;
    v.outIndex = static_cast<int32_t>(i);
    values.push_back(std::move(v));
    n.outputs.push_back(static_cast<ValueId>(values.size() - 1));
  }
  nodes.push_back(std::move(n));
  return id;
}

ValueId Graph::add(OpKind op, Attrs attrs, std::vector<ValueId> inputs, TensorType outType,
                   SourceSpan span) {
  std::vector<SourceSpan> spans;
  if (span.valid()) spans.push_back(span);
  NodeId id = addNode(op, std::move(attrs), std::move(inputs), {std::move(outType)}, spans);
  return nodes[id].outputs[0];
}

std::vector<NodeId> Graph::nodesOf(OpKind op) const {
  std::vector<NodeId> r;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!nodes[i].dead && nodes[i].op == op) r.push_back(static_cast<NodeId>(i));
  return r;
}

std::vector<std::vector<NodeId>> Graph::users() const {
  std::vector<std::vector<NodeId>> u(values.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].dead) continue;
    for (ValueId v : nodes[i].inputs)
      u[v].push_back(static_cast<NodeId>(i));
  }
  return u;
}

void Graph::replaceAllUses(ValueId from, ValueId to) {
  for (auto& n : nodes)
    for (auto& v : n.inputs)
      if (v == from) v = to;
  for (auto& o : outputs)
    if (o.value == from) o.value = to;
}

void Graph::compact() {
  std::vector<ValueId> vmap(values.size(), kNoValue);
  std::vector<Node> newNodes;
  std::vector<Value> newValues;
  for (auto& n : nodes) {
    if (n.dead) continue;
    NodeId nid = static_cast<NodeId>(newNodes.size());
    for (auto& v : n.inputs) {
      LLIE_CHECK(vmap[v] != kNoValue, "compact: input produced by a dead or later node");
      v = vmap[v];
    }
    for (auto& v : n.outputs) {
      Value nv = values[v];
      nv.producer = nid;
      newValues.push_back(std::move(nv));
      vmap[v] = static_cast<ValueId>(newValues.size() - 1);
      v = vmap[v];
    }
    newNodes.push_back(std::move(n));
  }
  for (auto& o : outputs) {
    LLIE_CHECK(vmap[o.value] != kNoValue, "compact: graph output produced by a dead node");
    o.value = vmap[o.value];
  }
  nodes = std::move(newNodes);
  values = std::move(newValues);
}

NodeId Graph::findParam(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    if (attrsOf<ParamAttrs>(n).name == name) return static_cast<NodeId>(i);
  }
  return -1;
}

} // namespace llie
