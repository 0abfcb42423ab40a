// The training-mode pass (see training_mode.h).
#include "compiler/autodiff/training_mode.h"
#include "compiler/autodiff/optimizer_update.h"

#include <algorithm>

namespace llie {
namespace {

// batchnorm -> batchnorm_train, whose new running statistics go to two assigns.
void toBatchNormTrain(Graph& g, size_t i) {
  Node& n = g.nodes[i];
  n.op = OpKind::BatchNormTrain;
  TensorType stat = g.type(n.inputs[3]);
  for (int k = 0; k < 4; ++k) {
    Value v;
    v.type = stat;
    v.producer = static_cast<NodeId>(i);
    v.outIndex = k + 1;
    g.values.push_back(v);
    g.nodes[i].outputs.push_back(static_cast<ValueId>(g.values.size() - 1));
  }
  const Node& bn = g.nodes[i];
  SourceSpan span = bn.span();
  ValueId rm = bn.inputs[3], rv = bn.inputs[4], newRm = bn.outputs[3], newRv = bn.outputs[4];
  g.add(OpKind::Assign, NoAttrs{}, {rm, newRm}, g.type(rm), span);
  g.add(OpKind::Assign, NoAttrs{}, {rv, newRv}, g.type(rv), span);
}

// The scalar input "step", moved to the front of the graph so that every node may read it (an
// input reads nothing, so the order stays topological).
ValueId stepInputFirst(Graph& g) {
  ValueId step = scalarInput(g, "step");
  NodeId p = g.value(step).producer;
  std::rotate(g.nodes.begin(), g.nodes.begin() + p, g.nodes.begin() + p + 1);
  for (size_t i = 0; i <= static_cast<size_t>(p); ++i)
    for (ValueId v : g.nodes[i].outputs)
      g.value(v).producer = static_cast<NodeId>(i);
  return step;
}

} // namespace

Expected<int> toTrainingMode(Graph& g) {
  int rewritten = 0;
  const size_t count = g.nodes.size();
  std::vector<size_t> dropPaths;
  for (size_t i = 0; i < count; ++i) {
    if (g.nodes[i].dead) continue;
    if (g.nodes[i].op == OpKind::DropPath) dropPaths.push_back(i);
    if (g.nodes[i].op != OpKind::BatchNorm) continue;
    toBatchNormTrain(g, i);
    ++rewritten;
  }
  if (dropPaths.empty()) return rewritten;
  // Each drop_path gets its ordinal as the seed of its masks; the masks also hash the step.
  ValueId step = stepInputFirst(g);
  int64_t ordinal = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.dead || n.op != OpKind::DropPath) continue;
    n.op = OpKind::DropPathTrain;
    std::get<DropAttrs>(n.attrs).seed = ++ordinal;
    n.inputs.push_back(step);
    ++rewritten;
  }
  return rewritten;
}

void moveAssignsLast(Graph& g) {
  std::stable_partition(g.nodes.begin(), g.nodes.end(),
                        [](const Node& n) { return n.op != OpKind::Assign; });
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId v : g.nodes[i].outputs)
      g.value(v).producer = static_cast<NodeId>(i);
}

void seedDropPaths(Graph& g, uint64_t runSeed) {
  for (Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::DropPathTrain) {
      int64_t& seed = std::get<DropAttrs>(n.attrs).seed;
      seed = static_cast<int64_t>((runSeed << 32) + (static_cast<uint64_t>(seed) & 0xffffffffu));
    }
}

} // namespace llie
