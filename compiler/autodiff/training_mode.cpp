// The training-mode pass (see training_mode.h).
#include "compiler/autodiff/training_mode.h"

namespace llie {

Expected<int> toTrainingMode(Graph& g) {
  int rewritten = 0;
  const size_t count = g.nodes.size();
  for (size_t i = 0; i < count; ++i) {
    if (g.nodes[i].dead) continue;
    if (g.nodes[i].op == OpKind::DropPath)
      return Status::error("drop_path has no training form yet", g.nodes[i].span());
    if (g.nodes[i].op != OpKind::BatchNorm) continue;
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
    ++rewritten;
  }
  return rewritten;
}

} // namespace llie
