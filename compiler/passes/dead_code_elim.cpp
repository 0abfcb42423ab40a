// Dead-code elimination (see dead_code_elim.h): a reverse sweep marking live values.
#include "compiler/passes/dead_code_elim.h"

namespace llie {

int eliminateDeadCode(Graph& g) {
  std::vector<bool> live(g.values.size(), false);
  for (auto& o : g.outputs)
    live[o.value] = true;
  int removed = 0;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    Node& n = g.nodes[i];
    if (n.dead) continue;
    bool keep = (opInfo(n.op).flags & kSideEffect) || n.op == OpKind::Input;
    for (ValueId v : n.outputs)
      keep |= live[v];
    if (!keep) {
      n.dead = true;
      ++removed;
      continue;
    }
    for (ValueId v : n.inputs)
      live[v] = true;
  }
  if (removed) g.compact();
  return removed;
}

} // namespace llie
