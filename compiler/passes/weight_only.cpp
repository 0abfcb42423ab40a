// Weight-only nodes (see weight_only.h): one forward sweep over the topological order.
#include "compiler/passes/weight_only.h"

namespace llie {

namespace {

/// One forward sweep: which nodes are weight-only and which values are fixed.
void sweep(const Graph& g, std::vector<bool>& nodes, std::vector<bool>& fixed) {
  nodes.assign(g.nodes.size(), false);
  fixed.assign(g.values.size(), false); // the value is the same on every run
  if (g.kind != GraphKind::Inference) return;
  std::vector<bool> written(g.values.size(), false); // state tensors an assign updates
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Assign) written[n.inputs[0]] = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    bool same = false;
    if (n.op == OpKind::Param || n.op == OpKind::Constant) {
      same = true;
    } else if (n.op == OpKind::State) {
      same = !written[n.outputs[0]];
    } else if (opInfo(n.op).category != OpCategory::Source && !(opInfo(n.op).flags & kSideEffect) &&
               !n.inputs.empty()) {
      same = true;
      for (ValueId v : n.inputs)
        same = same && fixed[v];
      nodes[i] = same;
    }
    for (ValueId v : n.outputs)
      fixed[v] = same;
  }
}

} // namespace

std::vector<bool> weightOnlyNodes(const Graph& g) {
  std::vector<bool> nodes, fixed;
  sweep(g, nodes, fixed);
  return nodes;
}

std::vector<bool> fixedValues(const Graph& g) {
  std::vector<bool> nodes, fixed;
  sweep(g, nodes, fixed);
  return fixed;
}

} // namespace llie
