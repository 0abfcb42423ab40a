// fuse-elementwise (see fuse_elementwise.h): grow a group from each root in reverse order,
// then write the group as a fused program over its outside operands.
#include "compiler/passes/fuse_elementwise.h"
#include "compiler/ops/fused_expr.h"
#include "compiler/ops/shape_rules.h"
#include "compiler/passes/graph_rewrite.h"
#include "compiler/passes/weight_only.h"

#include <algorithm>

namespace llie {
namespace {

/// Whether `n` may be part of a group: a fusible op with an f32 result and f32 operands (bool
/// for where's condition), not computed once per weight load. prelu with a rank-1 slope of
/// several elements applies it along axis 1 (PyTorch's rule), which is not NumPy broadcasting:
/// it stays a prelu.
bool fusible(const Graph& g, const Node& n, bool weightOnly) {
  if (n.dead || weightOnly || !isFusibleElementwise(n.op) || n.outputs.size() != 1) return false;
  if (g.type(n.outputs[0]).dtype != DType::F32) return false;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    DType want = n.op == OpKind::Where && i == 0 ? DType::Bool : DType::F32;
    if (g.type(n.inputs[i]).dtype != want) return false;
  }
  if (n.op == OpKind::Prelu) {
    const Shape& slope = g.type(n.inputs[1]).shape;
    if (slope.size() == 1 && !(slope[0] == Dim::constant(1))) return false;
  }
  return true;
}

/// The members of group `id`, rooted at `root` (ascending node ids, root last): every fusible,
/// ungrouped node before it whose result has the root's shape, is no graph output and is read
/// only by members. Scanning backwards decides a node after all of its readers. `groupOf` (-1:
/// none) is set for the members.
std::vector<NodeId> growGroup(const Graph& g, NodeId root, int id,
                              const std::vector<bool>& candidate,
                              const std::vector<std::vector<NodeId>>& users,
                              std::vector<int>& groupOf) {
  const Shape& shape = g.type(g.nodes[root].outputs[0]).shape;
  std::vector<NodeId> members{root};
  groupOf[root] = id;
  for (NodeId p = root - 1; p >= 0; --p) {
    if (!candidate[p] || groupOf[p] >= 0) continue;
    ValueId v = g.nodes[p].outputs[0];
    const auto& readers = users[v];
    if (!(g.type(v).shape == shape) || isGraphOutput(g, v) || readers.empty()) continue;
    if (!std::all_of(readers.begin(), readers.end(), [&](NodeId u) { return groupOf[u] == id; }))
      continue;
    groupOf[p] = id;
    members.push_back(p);
  }
  std::reverse(members.begin(), members.end());
  return members;
}

/// The group as a program over its outside operands (in order of first use), which it returns
/// in `inputs`.
FusedProgram programOf(const Graph& g, const std::vector<NodeId>& members,
                       std::vector<ValueId>& inputs) {
  std::vector<bool> inGroup(g.nodes.size(), false);
  for (NodeId m : members)
    inGroup[m] = true;
  inputs.clear();
  for (NodeId m : members)
    for (ValueId v : g.nodes[m].inputs)
      if (!inGroup[g.value(v).producer] &&
          std::find(inputs.begin(), inputs.end(), v) == inputs.end())
        inputs.push_back(v);
  FusedProgram p;
  p.numInputs = static_cast<int32_t>(inputs.size());
  std::vector<int32_t> slotOf(g.nodes.size(), -1);
  for (NodeId m : members) {
    const Node& n = g.nodes[m];
    FusedStep s{n.op, {}, n.attrs};
    for (ValueId v : n.inputs) {
      NodeId prod = g.value(v).producer;
      s.args.push_back(
          inGroup[prod]
              ? slotOf[prod]
              : static_cast<int32_t>(std::find(inputs.begin(), inputs.end(), v) - inputs.begin()));
    }
    slotOf[m] = p.numInputs + static_cast<int32_t>(p.steps.size());
    p.steps.push_back(std::move(s));
  }
  return p;
}

/// Turns the root into the fused node (it keeps its output value, so readers are unchanged)
/// and kills the other members. Spans: the root's first, then the others' in order, each once.
void rewriteGroup(Graph& g, const std::vector<NodeId>& members, const FusedProgram& prog,
                  std::vector<ValueId> inputs) {
  Node& root = g.nodes[members.back()];
  std::vector<SourceSpan> spans = root.spans;
  for (NodeId m : members) {
    for (const SourceSpan& s : g.nodes[m].spans)
      if (std::find(spans.begin(), spans.end(), s) == spans.end()) spans.push_back(s);
    if (m != members.back()) g.nodes[m].dead = true;
  }
  FusedElementwiseAttrs attrs{formatFusedProgram(prog)};
  std::vector<TensorType> ins;
  for (ValueId v : inputs)
    ins.push_back(g.type(v));
  auto types = inferTypes(OpKind::FusedElementwise, attrs, ins, g.symbols);
  LLIE_CHECK(types.ok() && (*types)[0] == g.type(root.outputs[0]),
             "fuse-elementwise built an ill-typed fused_elementwise" +
                 (types.ok() ? std::string() : ": " + types.status().message()));
  root.op = OpKind::FusedElementwise;
  root.attrs = std::move(attrs);
  root.inputs = std::move(inputs);
  root.spans = std::move(spans);
}

} // namespace

int fuseElementwise(Graph& g) {
  const std::vector<bool> weightOnly = weightOnlyNodes(g);
  const auto users = g.users();
  std::vector<bool> candidate(g.nodes.size());
  std::vector<int> groupOf(g.nodes.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    candidate[i] = fusible(g, g.nodes[i], weightOnly[i]);
  int fused = 0;
  for (NodeId root = static_cast<NodeId>(g.nodes.size()) - 1; root >= 0; --root) {
    if (!candidate[root] || groupOf[root] >= 0) continue;
    std::vector<NodeId> members = growGroup(g, root, root, candidate, users, groupOf);
    std::vector<ValueId> inputs;
    FusedProgram prog = programOf(g, members, inputs);
    if (members.size() < 2 ||
        inputs.size() > static_cast<size_t>(opInfo(OpKind::FusedElementwise).maxInputs)) {
      for (NodeId m : members) // left as they are
        groupOf[m] = -1, candidate[m] = false;
      continue;
    }
    rewriteGroup(g, members, prog, std::move(inputs));
    ++fused;
  }
  if (fused) g.compact();
  return fused;
}

} // namespace llie
