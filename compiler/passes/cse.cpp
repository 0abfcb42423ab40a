// cse (see cse.h): one forward sweep; candidates are bucketed by (op, inputs) and then compared
// on attributes and output types. Inputs are already canonical when a node is reached, because
// every earlier duplicate has been redirected to its first occurrence.
#include "compiler/passes/cse.h"

#include <map>
#include <utility>

namespace llie {
namespace {

bool mergeable(const Node& n) {
  if (opInfo(n.op).flags & kSideEffect) return false;
  return opInfo(n.op).category != OpCategory::Source || n.op == OpKind::Constant;
}

bool sameNode(const Graph& g, const Node& a, const Node& b) {
  if (!(a.attrs == b.attrs) || a.outputs.size() != b.outputs.size()) return false;
  for (size_t k = 0; k < a.outputs.size(); ++k)
    if (!(g.type(a.outputs[k]) == g.type(b.outputs[k]))) return false;
  return true;
}

} // namespace

int eliminateCommonSubexpressions(Graph& g) {
  std::map<std::pair<OpKind, std::vector<ValueId>>, std::vector<NodeId>> seen;
  int merged = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.dead || !mergeable(n)) continue;
    auto& bucket = seen[{n.op, n.inputs}];
    NodeId twin = -1;
    for (NodeId j : bucket)
      if (sameNode(g, g.nodes[j], n)) twin = j;
    if (twin < 0) {
      bucket.push_back(static_cast<NodeId>(i));
      continue;
    }
    Node& keep = g.nodes[twin];
    for (size_t k = 0; k < n.outputs.size(); ++k)
      g.replaceAllUses(n.outputs[k], keep.outputs[k]);
    n.dead = true;
    ++merged;
  }
  if (merged) g.compact();
  return merged;
}

} // namespace llie
