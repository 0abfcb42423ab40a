// Weight-only nodes (see weight_only.h): one forward sweep over the topological order.
#include "compiler/passes/weight_only.h"

namespace llie {

std::vector<bool> weightOnlyNodes(const Graph& g) {
  std::vector<bool> result(g.nodes.size(), false);
  if (g.kind != GraphKind::Inference) return result;
  std::vector<bool> written(g.values.size(), false); // state tensors an assign updates
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Assign) written[n.inputs[0]] = true;
  std::vector<bool> fixed(g.values.size(), false); // the value is the same on every run
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
      result[i] = same;
    }
    for (ValueId v : n.outputs)
      fixed[v] = same;
  }
  return result;
}

} // namespace llie
