// fuse-residual (see fuse_residual.h): guard clauses on add(conv, r) pairs, then a topological
// re-sort, since r may be computed after the conv in the current order.
#include "compiler/passes/fuse_residual.h"
#include "compiler/passes/graph_rewrite.h"

#include <algorithm>

namespace llie {
namespace {

/// Whether the conv producing `v` can take `r` as its residual in the add `addId`.
bool canTake(const Graph& g, ValueId v, ValueId r, NodeId addId) {
  const Node& conv = g.nodes[g.value(v).producer];
  if (conv.dead || conv.op != OpKind::Conv2d) return false;
  const auto& a = attrsOf<Conv2dAttrs>(conv);
  if (a.epilogue != Epilogue::None || a.residual || a.perSample) return false;
  if (soleUser(g, v) != addId) return false;
  if (std::find(conv.inputs.begin(), conv.inputs.end(), r) != conv.inputs.end()) return false;
  const TensorType &tv = g.type(v), &tr = g.type(r);
  return tv.dtype == DType::F32 && tr.dtype == DType::F32 && tv.shape == tr.shape;
}

} // namespace

int fuseResidual(Graph& g) {
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& add = g.nodes[i];
    if (add.dead || add.op != OpKind::Add || add.inputs.size() != 2) continue;
    const NodeId addId = static_cast<NodeId>(i);
    // Prefer the operand computed last as the conv: the other is then ready when it runs.
    ValueId v = add.inputs[1], r = add.inputs[0];
    if (v == r) continue;
    if (g.value(v).producer < g.value(r).producer) std::swap(v, r);
    if (!canTake(g, v, r, addId)) std::swap(v, r);
    if (!canTake(g, v, r, addId)) continue;
    Node& conv = g.nodes[g.value(v).producer];
    conv.inputs.push_back(r);
    attrsOf<Conv2dAttrs>(conv).residual = true;
    absorbConsumer(g, v, addId);
    ++fused;
  }
  return settleRewrites(g, fused);
}

} // namespace llie
