// fold-batchnorm (see fold_batchnorm.h): guard clauses on the conv -> batchnorm pair, then the
// weight and bias rewritten through batchNormScale / batchNormShift.
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/graph_rewrite.h"

namespace llie {

ValueId batchNormScale(Graph& g, ValueId gamma, ValueId var, double eps,
                       const std::vector<SourceSpan>& spans) {
  ValueId shifted = addTyped(g, OpKind::Add, NoAttrs{}, {var, addScalar(g, eps, spans)}, spans);
  ValueId root = addTyped(g, OpKind::Sqrt, NoAttrs{}, {shifted}, spans);
  return addTyped(g, OpKind::Div, NoAttrs{}, {gamma, root}, spans);
}

ValueId batchNormShift(Graph& g, ValueId scale, ValueId beta, ValueId mean, ValueId bias,
                       const std::vector<SourceSpan>& spans) {
  if (bias == kNoValue) {
    ValueId ma = addTyped(g, OpKind::Mul, NoAttrs{}, {mean, scale}, spans);
    return addTyped(g, OpKind::Sub, NoAttrs{}, {beta, ma}, spans);
  }
  ValueId centred = addTyped(g, OpKind::Sub, NoAttrs{}, {bias, mean}, spans);
  ValueId scaled = addTyped(g, OpKind::Mul, NoAttrs{}, {centred, scale}, spans);
  return addTyped(g, OpKind::Add, NoAttrs{}, {scaled, beta}, spans);
}

namespace {

/// The conv2d that `bn` can absorb, or -1.
NodeId foldableConv(const Graph& g, NodeId bnId) {
  const Node& bn = g.nodes[bnId];
  if (attrsOf<NormAttrs>(bn).axis != 1 || attrsOf<NormAttrs>(bn).epilogue != Epilogue::None)
    return -1;
  ValueId x = bn.inputs[0];
  NodeId c = g.value(x).producer;
  const Node& conv = g.nodes[c];
  if (conv.dead || conv.op != OpKind::Conv2d) return -1;
  const auto& a = attrsOf<Conv2dAttrs>(conv);
  if (a.epilogue != Epilogue::None || a.perSample) return -1;
  const Shape& w = g.type(conv.inputs[1]).shape;
  if (g.type(x).dtype != DType::F32 || w.size() != 4 || !shapeIsConst(w)) return -1;
  if (soleUser(g, x) != bnId) return -1;
  return c;
}

/// W * a with a broadcast over each output channel's [I/groups, kh, kw] weights. Written as
/// [1, O, I/groups*kh*kw] * [1, O, 1], the per-channel broadcast oneDNN's binary primitive has
/// a fast kernel for ([O, 1, 1, 1] against OIHW falls back to its slow reference loops).
ValueId scaleOutputChannels(Graph& g, ValueId weight, ValueId scale,
                            const std::vector<SourceSpan>& spans) {
  std::vector<int64_t> dims;
  for (const Dim& d : g.type(weight).shape)
    dims.push_back(d.off);
  int64_t perChannel = dims[1] * dims[2] * dims[3];
  ValueId rows = addReshape(g, weight, {1, dims[0], perChannel}, spans);
  ValueId column = addReshape(g, scale, {1, dims[0], 1}, spans);
  ValueId scaled = addTyped(g, OpKind::Mul, NoAttrs{}, {rows, column}, spans);
  return addReshape(g, scaled, dims, spans);
}

void foldInto(Graph& g, NodeId convId, NodeId bnId) {
  const Node bn = g.nodes[bnId]; // copies: adding nodes moves the node array
  const std::vector<SourceSpan>& spans = bn.spans;
  const std::vector<ValueId> convIn = g.nodes[convId].inputs;
  ValueId bias = convIn.size() > 2 ? convIn[2] : kNoValue;
  ValueId scale = batchNormScale(g, bn.inputs[1], bn.inputs[4], attrsOf<NormAttrs>(bn).eps, spans);
  ValueId weight = scaleOutputChannels(g, convIn[1], scale, spans);
  ValueId shift = batchNormShift(g, scale, bn.inputs[2], bn.inputs[3], bias, spans);

  Node& conv = g.nodes[convId];
  conv.inputs = {convIn[0], weight, shift};
  conv.spans.insert(conv.spans.end(), bn.spans.begin(), bn.spans.end());
  ValueId y = conv.outputs[0];
  if (!g.value(bn.outputs[0]).name.empty()) g.value(y).name = g.value(bn.outputs[0]).name;
  g.replaceAllUses(bn.outputs[0], y);
  g.nodes[bnId].dead = true;
}

} // namespace

int foldBatchNorm(Graph& g) {
  int folded = 0;
  for (NodeId bn : g.nodesOf(OpKind::BatchNorm)) {
    NodeId conv = foldableConv(g, bn);
    if (conv < 0) continue;
    foldInto(g, conv, bn);
    ++folded;
  }
  return settleRewrites(g, folded);
}

} // namespace llie
