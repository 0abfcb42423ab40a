// The channels-last analysis (see layout.h): the greatest set of candidate values that is
// consistent with every producer and reader, found by removing offenders until nothing changes.
#include "backends/cpu/layout.h"

#include "backends/kernel_registry.h"
#include "backends/kernel_util.h"
#include "backends/op_geometry.h"

#include <algorithm>

namespace llie::cpu {
namespace {

bool isIn(OpKind k, const auto& list) {
  return std::find(std::begin(list), std::end(list), k) != std::end(list);
}

bool isActivation4d(const Graph& g, ValueId v) {
  const TensorType& t = g.type(v);
  return t.dtype == DType::F32 && t.shape.size() == 4;
}

/// The inputs of `n` whose layout must equal its output's, or false when `n` is not
/// layout-transparent.
bool transparentInputs(const Graph& g, const Node& n, std::vector<ValueId>& ins) {
  ins.clear();
  if (n.outputs.size() != 1 || !isActivation4d(g, n.outputs[0])) return false;
  const Shape& y = g.type(n.outputs[0]).shape;
  if (isIn(n.op, kernels::kUnaryOps)) {
    ins = {n.inputs[0]};
  } else if (isIn(n.op, kernels::kBinaryOps)) {
    if (g.type(n.inputs[0]).shape != y || g.type(n.inputs[1]).shape != y) return false;
    ins = n.inputs;
  } else if (n.op == OpKind::Concat) {
    auto axis = kernels::concatAxis(g, n);
    if (!axis || *axis != 1) return false;
    ins = n.inputs;
  } else if (n.op == OpKind::Resize) {
    if (!resizeOnDnnl(g, n)) return false;
    ins = {n.inputs[0]};
  } else {
    return false;
  }
  return std::all_of(ins.begin(), ins.end(), [&](ValueId v) { return isActivation4d(g, v); });
}

bool isConv(const Node& n) {
  return n.op == OpKind::Conv2d && !attrsOf<Conv2dAttrs>(n).perSample;
}

} // namespace

bool resizeOnDnnl(const Graph& g, const Node& n) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  auto geom = kernels::resizeGeometry(g, n);
  if (!geom || geom->H <= 0 || geom->W <= 0 || geom->OH <= 0 || geom->OW <= 0) return false;
  if (a.mode == ResizeMode::Nearest) return geom->OH % geom->H == 0 && geom->OW % geom->W == 0;
  return !a.alignCorners;
}

std::vector<bool> channelsLastValues(const Graph& g) {
  std::vector<bool> cl(g.values.size(), false);
  if (g.kind != GraphKind::Inference) return cl;
  std::vector<ValueId> ins;
  const auto users = g.users();
  // Candidates: values read inside the graph (a graph output, or a value nobody reads and a
  // caller may fetch, stays plain).
  for (const Node& n : g.nodes) {
    if (n.dead || n.outputs.size() != 1 || !isActivation4d(g, n.outputs[0])) continue;
    if (users[n.outputs[0]].empty()) continue;
    if (isConv(n) || transparentInputs(g, n, ins)) cl[n.outputs[0]] = true;
  }
  for (const GraphOutput& o : g.outputs)
    cl[o.value] = false;
  for (bool changed = true; changed;) {
    changed = false;
    auto drop = [&](ValueId v) {
      if (cl[v]) cl[v] = false, changed = true;
    };
    for (const Node& n : g.nodes) {
      if (n.dead || isConv(n) || !transparentInputs(g, n, ins)) continue;
      // A transparent op is all-NHWC or all-NCHW.
      bool all =
          cl[n.outputs[0]] && std::all_of(ins.begin(), ins.end(), [&](ValueId v) { return cl[v]; });
      if (!all) {
        drop(n.outputs[0]);
        for (ValueId v : ins)
          drop(v);
      }
    }
    for (size_t v = 0; v < cl.size(); ++v) {
      if (!cl[v]) continue;
      for (NodeId u : users[v]) {
        const Node& r = g.nodes[u];
        bool takes = isConv(r) ? r.inputs[0] == static_cast<ValueId>(v) &&
                                     std::count(r.inputs.begin(), r.inputs.end(),
                                                static_cast<ValueId>(v)) == 1
                               : transparentInputs(g, r, ins) && cl[r.outputs[0]];
        if (!takes) drop(static_cast<ValueId>(v));
      }
    }
  }
  return cl;
}

} // namespace llie::cpu
