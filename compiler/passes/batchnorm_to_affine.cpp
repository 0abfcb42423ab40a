// batchnorm-to-affine (see batchnorm_to_affine.h), built from fold-batchnorm's arithmetic.
#include "compiler/passes/batchnorm_to_affine.h"
#include "compiler/ops/shape_rules.h"
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/graph_rewrite.h"

namespace llie {

int batchNormToAffine(Graph& g) {
  int rewritten = 0;
  for (NodeId id : g.nodesOf(OpKind::BatchNorm)) {
    const Node bn = g.nodes[id]; // a copy: adding nodes moves the node array
    const Shape& x = g.type(bn.inputs[0]).shape;
    auto axis = normalizeAxis(attrsOf<NormAttrs>(bn).axis, x.size());
    if (!axis || *axis != 1 || !x[1].isConst() || g.type(bn.inputs[0]).dtype != DType::F32 ||
        attrsOf<NormAttrs>(bn).epilogue != Epilogue::None)
      continue;
    std::vector<int64_t> perChannel(x.size(), 1);
    perChannel[1] = x[1].off;
    const std::vector<SourceSpan>& spans = bn.spans;
    ValueId scale =
        batchNormScale(g, bn.inputs[1], bn.inputs[4], attrsOf<NormAttrs>(bn).eps, spans);
    ValueId shift = batchNormShift(g, scale, bn.inputs[2], bn.inputs[3], kNoValue, spans);
    ValueId a = addReshape(g, scale, perChannel, spans);
    ValueId c = addReshape(g, shift, perChannel, spans);
    ValueId scaled = addTyped(g, OpKind::Mul, NoAttrs{}, {bn.inputs[0], a}, spans);
    ValueId y = addTyped(g, OpKind::Add, NoAttrs{}, {scaled, c}, spans);
    g.value(y).name = g.value(bn.outputs[0]).name;
    g.replaceAllUses(bn.outputs[0], y);
    g.nodes[id].dead = true;
    ++rewritten;
  }
  return settleRewrites(g, rewritten);
}

} // namespace llie
