// fuse-depthwise (see fuse_depthwise.h): guard clauses on (1x1 conv, depthwise conv) pairs, then
// a topological re-sort, since the depthwise weights may be computed after the 1x1 conv.
#include "compiler/passes/fuse_depthwise.h"
#include "compiler/passes/graph_rewrite.h"

namespace llie {
namespace {

bool isConst(const Dim& d, int64_t v) {
  return d.isConst() && d.off == v;
}

/// A conv2d with a bias and nothing else fused, padding `pad` on every side, unit dilation.
bool plainConv(const Graph& g, const Node& n, int64_t pad) {
  if (n.dead || n.op != OpKind::Conv2d || n.inputs.size() != 3) return false;
  const auto& a = attrsOf<Conv2dAttrs>(n);
  return !a.residual && !a.perSample && a.depthwise == 0 && a.pad == std::vector<int64_t>(4, pad) &&
         a.dilation == std::vector<int64_t>{1, 1} && g.type(n.outputs[0]).dtype == DType::F32;
}

bool pointwise(const Graph& g, const Node& n) {
  if (!plainConv(g, n, 0)) return false;
  const auto& a = attrsOf<Conv2dAttrs>(n);
  const Shape& w = g.type(n.inputs[1]).shape;
  return a.groups == 1 && a.stride == std::vector<int64_t>{1, 1} && isConst(w[2], 1) &&
         isConst(w[3], 1);
}

bool depthwise3x3(const Graph& g, const Node& n) {
  if (!plainConv(g, n, 1)) return false;
  const auto& a = attrsOf<Conv2dAttrs>(n);
  const Shape& w = g.type(n.inputs[1]).shape;
  const Dim& c = g.type(n.inputs[0]).shape[1];
  const bool strideOk = a.stride[0] == a.stride[1] && (a.stride[0] == 1 || a.stride[0] == 2);
  return strideOk && c.isConst() && a.groups == c.off && isConst(w[0], c.off) && isConst(w[1], 1) &&
         isConst(w[2], 3) && isConst(w[3], 3) && a.epilogue != Epilogue::LeakyRelu;
}

} // namespace

int fuseDepthwise(Graph& g) {
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& dw = g.nodes[i];
    if (!depthwise3x3(g, dw)) continue;
    const ValueId v = dw.inputs[0];
    const NodeId pid = g.value(v).producer;
    if (pid < 0 || !pointwise(g, g.nodes[pid]) || soleUser(g, v) != static_cast<NodeId>(i))
      continue;
    Node& pw = g.nodes[pid];
    auto& a = attrsOf<Conv2dAttrs>(pw);
    a.depthwise = attrsOf<Conv2dAttrs>(dw).stride[0];
    a.depthwiseEpilogue = attrsOf<Conv2dAttrs>(dw).epilogue;
    pw.inputs.push_back(dw.inputs[1]);
    pw.inputs.push_back(dw.inputs[2]);
    g.value(v).type = g.type(dw.outputs[0]);
    absorbConsumer(g, v, static_cast<NodeId>(i));
    ++fused;
  }
  return settleRewrites(g, fused);
}

} // namespace llie
