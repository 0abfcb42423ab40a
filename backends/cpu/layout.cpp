// The layout analysis (see layout.h): each node's LayoutRule, then the greatest set of NHWC
// candidate values that is consistent with every producer and reader, found by removing
// offenders until nothing changes; then the tied groups of NHWC values that reorder fewer bytes
// in oneDNN's nChw16c.
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

/// How a node treats the layouts of its 4-D operands (input and output indices). An operand in
/// none of the lists is read or written plain.
struct LayoutRule {
  std::vector<int> tiedIns, tiedOuts; ///< share one layout, NHWC or plain, all together
  std::vector<int> freeIns, freeOuts; ///< each NHWC or plain on its own: the kernel adapts
  std::vector<int> shapeIns;          ///< only lend their shape, so any layout
};

bool sameShapes(const Graph& g, const Node& n, std::initializer_list<int> ins) {
  const Shape& y = g.type(n.outputs[0]).shape;
  return std::all_of(ins.begin(), ins.end(), [&](int i) { return g.type(n.inputs[i]).shape == y; });
}

/// Elementwise and other ops whose listed inputs and first output share one layout (the kernel
/// sees flat arrays, or builds its oneDNN descriptors in whichever layout the values have).
LayoutRule tied(std::vector<int> ins) {
  return {std::move(ins), {0}, {}, {}, {}};
}

LayoutRule ruleFor(const Graph& g, const Node& n) {
  if (n.outputs.empty()) return {};
  switch (n.op) {
  case OpKind::Conv2d:
    if (attrsOf<Conv2dAttrs>(n).perSample) return {};
    if (attrsOf<Conv2dAttrs>(n).residual) // the residual is summed into the output as it is
      return {{static_cast<int>(n.inputs.size()) - 1}, {0}, {0}, {}, {}};
    return {{}, {}, {0}, {0}, {}};
  case OpKind::Conv2dGradInput: // (x, w, dy) -> dx; x lends its shape
    return {{}, {}, {2}, {0}, {0}};
  case OpKind::Conv2dGradWeight: // (x, w, dy) -> dw, dw plain; w lends its shape
    return {{}, {}, {0, 2}, {}, {1}};
  case OpKind::BatchNorm:      // (x, gamma, beta, mean, var) -> y
  case OpKind::BatchNormTrain: // (x, gamma, beta, rm, rv) -> (y, mean, var, rm', rv')
    if (kernels::normAxis(attrsOf<NormAttrs>(n).axis, 4) != 1) return {};
    return tied({0});
  case OpKind::BatchNormGrad: // (x, gamma, mean, var, dy) -> (dx, dgamma, dbeta)
    if (kernels::normAxis(attrsOf<NormAttrs>(n).axis, 4) != 1) return {};
    return tied({0, 4});
  case OpKind::UnaryGrad: // (x, dy) -> dx, a flat elementwise kernel
    if (!sameShapes(g, n, {0, 1})) return {};
    return tied({0, 1});
  case OpKind::Concat: {
    auto axis = kernels::concatAxis(g, n);
    if (!axis || *axis != 1) return {};
    std::vector<int> all(n.inputs.size());
    for (size_t i = 0; i < all.size(); ++i)
      all[i] = static_cast<int>(i);
    return tied(all);
  }
  case OpKind::Resize:
    return tied({0});
  case OpKind::ResizeGrad: // (x, dy) -> dx; x lends its shape
    return {{1}, {0}, {}, {}, {0}};
  case OpKind::Slice: // any axis: a gather in either layout
    return tied({0});
  case OpKind::ReduceGrad: { // dy (plain) broadcast into dx, written in either layout
    if (g.type(n.outputs[0]).shape.size() != 4) return {};
    const auto& a = attrsOf<ReduceGradAttrs>(n);
    bool ok = true;
    kernels::Dims axes = kernels::normAxes(a.axes, 4, ok);
    auto reduced = [&](int64_t d) {
      const Dim& s = g.type(n.outputs[0]).shape[d];
      return std::find(axes.begin(), axes.end(), d) != axes.end() || (s.isConst() && s.off == 1);
    };
    // dy's elements must be in the same order either way: one channel or one pixel.
    if (!ok || !(reduced(1) || (reduced(2) && reduced(3)))) return {};
    return {{}, {}, {}, {0}, {}};
  }
  default:
    break;
  }
  if (isIn(n.op, kernels::kUnaryOps) && sameShapes(g, n, {0})) return tied({0});
  // Without broadcasting, a binary op is elementwise over flat arrays.
  if (isIn(n.op, kernels::kBinaryOps) && sameShapes(g, n, {0, 1})) return tied({0, 1});
  if (n.op == OpKind::FusedElementwise) { // so is a fused chain whose operands all have y's shape
    std::vector<int> all;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (!(g.type(n.inputs[i]).shape == g.type(n.outputs[0]).shape)) return {};
      all.push_back(static_cast<int>(i));
    }
    return tied(all);
  }
  if (isIn(n.op, kernels::kReduceOps) && reduceReadsChannelsLast(g, n))
    return {{}, {}, {0}, {}, {}};
  return {};
}

bool has(const std::vector<int>& list, int i) {
  return std::find(list.begin(), list.end(), i) != list.end();
}

} // namespace

bool reduceReadsChannelsLast(const Graph& g, const Node& n) {
  if (n.inputs.empty() || !isActivation4d(g, n.inputs[0])) return false;
  const Shape& x = g.type(n.inputs[0]).shape;
  bool ok = true;
  kernels::Dims axes = kernels::normAxes(attrsOf<ReduceAttrs>(n).axes, 4, ok);
  if (!ok) return false;
  // An axis that stays in the result with more than one element.
  auto kept = [&](int64_t d) {
    return std::find(axes.begin(), axes.end(), d) == axes.end() &&
           !(x[d].isConst() && x[d].off == 1);
  };
  return !(kept(1) && (kept(2) || kept(3)));
}

namespace {

std::vector<LayoutRule> rulesOf(const Graph& g) {
  std::vector<LayoutRule> rules(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].dead) rules[i] = ruleFor(g, g.nodes[i]);
  return rules;
}

std::vector<bool> nhwcValues(const Graph& g, const std::vector<LayoutRule>& rules,
                             const std::vector<std::vector<NodeId>>& users) {
  std::vector<bool> cl(g.values.size(), false);
  // Candidates: the 4-D outputs a producer can write NHWC that are read inside the graph (a
  // graph output, or a value nobody reads and a caller may fetch, stays plain).
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      ValueId v = n.outputs[o];
      int oi = static_cast<int>(o);
      if (!isActivation4d(g, v) || users[v].empty()) continue;
      if (has(rules[i].tiedOuts, oi) || has(rules[i].freeOuts, oi)) cl[v] = true;
    }
  }
  for (const GraphOutput& o : g.outputs)
    cl[o.value] = false;
  for (bool changed = true; changed;) {
    changed = false;
    auto drop = [&](ValueId v) {
      if (cl[v]) cl[v] = false, changed = true;
    };
    // A tied group is all-NHWC or all-plain.
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      const LayoutRule& r = rules[i];
      if (n.dead || (r.tiedIns.empty() && r.tiedOuts.empty())) continue;
      bool all =
          std::all_of(r.tiedIns.begin(), r.tiedIns.end(), [&](int k) { return cl[n.inputs[k]]; }) &&
          std::all_of(r.tiedOuts.begin(), r.tiedOuts.end(),
                      [&](int k) { return cl[n.outputs[k]]; });
      if (all) continue;
      for (int k : r.tiedIns)
        drop(n.inputs[k]);
      for (int k : r.tiedOuts)
        drop(n.outputs[k]);
    }
    // Every reader must take NHWC at every place it reads the value.
    for (size_t v = 0; v < cl.size(); ++v) {
      if (!cl[v]) continue;
      for (NodeId u : users[v]) {
        const Node& r = g.nodes[u];
        const LayoutRule& rule = rules[u];
        for (size_t k = 0; k < r.inputs.size(); ++k) {
          int ki = static_cast<int>(k);
          if (r.inputs[k] == static_cast<ValueId>(v) && !has(rule.tiedIns, ki) &&
              !has(rule.freeIns, ki) && !has(rule.shapeIns, ki))
            drop(static_cast<ValueId>(v));
        }
      }
    }
  }
  return cl;
}

/// Ops whose kernels take nChw16c operands where their LayoutRule lets the layout vary: convs
/// and their gradients (oneDNN reorders what its primitive wants otherwise), flat elementwise
/// kernels, the batchnorm family's loops, channel concat, resize and resize_grad.
bool takesBlocked(const Graph& g, const Node& n) {
  switch (n.op) {
  case OpKind::Conv2d:
  case OpKind::Conv2dGradInput:
  case OpKind::Conv2dGradWeight:
  case OpKind::Concat:
  case OpKind::FusedElementwise:
  case OpKind::UnaryGrad:
  case OpKind::BatchNorm:      // (its 4-D channel-axis form, the only one with a LayoutRule)
  case OpKind::BatchNormTrain: // on the panels of batchnorm_train.cpp
  case OpKind::BatchNormGrad:
  case OpKind::Resize:
  case OpKind::ResizeGrad:
    return true;
  default:
    return isIn(n.op, kernels::kUnaryOps) || isIn(n.op, kernels::kBinaryOps);
  }
}

/// A 1x1 stride-1 ungrouped conv of an inference graph (with or without a fused depthwise
/// stage): oneDNN's jit_1x1 kernel runs it on nChw16c as fast as brgconv runs it on NHWC, or
/// faster (64->64 at 256x256: 3.4 against 4.7 ms; 256->64 at 128x128: 2.9 against 3.4 ms;
/// equal within 3% from 512 channels up, 2 threads), so it wants its operands blocked and lets
/// a chain of them share the Winograd convs' layout.
bool pointwiseInferenceConv(const Graph& g, const Node& n) {
  if (g.kind != GraphKind::Inference || n.op != OpKind::Conv2d) return false;
  Expected<kernels::ConvGeom> c = kernels::convGeometry(g, n);
  return c && c->KH == 1 && c->KW == 1 && c->sh == 1 && c->sw == 1 && c->G == 1 &&
         !attrsOf<Conv2dAttrs>(n).perSample;
}

/// Whether the conv's (or conv gradient's) kernel wants its activation input (or output) in
/// nChw16c: a Winograd one both; so does a 1x1 conv of an inference graph (above); elsewhere a
/// 1x1 conv with a fused depthwise stage reads nChw16c (conv2d.cpp says why), and its output is
/// counted as NHWC-preferring, since its readers (the blocks' projections) want NHWC.
bool wantsBlocked(const Graph& g, const Node& n, bool asInput) {
  return winogradConv(g, n) || pointwiseInferenceConv(g, n) ||
         (asInput && n.op == OpKind::Conv2d && attrsOf<Conv2dAttrs>(n).depthwise > 0);
}

/// Whether `v` is an activation operand of the conv or conv gradient `n` (where its primitive
/// chooses a layout): a conv's data input or output, a data gradient's dy or dx, a weight
/// gradient's x or dy. (A conv's residual follows the output; the gradients' other inputs only
/// lend their shape.)
bool convActivation(const Node& n, ValueId v, bool produced) {
  switch (n.op) {
  case OpKind::Conv2d:
    return produced || n.inputs[0] == v;
  case OpKind::Conv2dGradInput:
    return produced || n.inputs[2] == v;
  case OpKind::Conv2dGradWeight:
    return !produced && (n.inputs[0] == v || n.inputs[2] == v);
  default:
    return false;
  }
}

/// Union-find over values: the tied groups.
struct Groups {
  std::vector<ValueId> parent;
  explicit Groups(size_t n) : parent(n) {
    for (size_t i = 0; i < n; ++i)
      parent[i] = static_cast<ValueId>(i);
  }
  ValueId find(ValueId v) {
    while (parent[v] != v)
      v = parent[v] = parent[parent[v]];
    return v;
  }
  void join(ValueId a, ValueId b) { parent[find(a)] = find(b); }
};

/// Refines NHWC into nChw16c group by group (layout.h).
void blockGroups(const Graph& g, const std::vector<LayoutRule>& rules,
                 const std::vector<std::vector<NodeId>>& users, std::vector<Layout>& layout) {
  const size_t nv = g.values.size();
  Groups groups(nv);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const LayoutRule& r = rules[i];
    if (n.dead) continue;
    ValueId first = kNoValue;
    auto tie = [&](ValueId v) { first == kNoValue ? void(first = v) : groups.join(v, first); };
    for (int k : r.tiedIns)
      tie(n.inputs[k]);
    for (int k : r.tiedOuts)
      tie(n.outputs[k]);
  }
  std::vector<NodeId> producer(nv, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].dead)
      for (ValueId v : g.nodes[i].outputs)
        producer[v] = static_cast<NodeId>(i);
  // Per group: whether every member can be blocked, and the bytes its convs reorder each way.
  std::vector<char> ok(nv, 1);
  std::vector<double> costBlocked(nv, 0), costNhwc(nv, 0);
  for (size_t v = 0; v < nv; ++v) {
    const ValueId root = groups.find(static_cast<ValueId>(v));
    if (layout[v] != Layout::Nhwc) {
      ok[root] = 0;
      continue;
    }
    const Shape& shape = g.type(static_cast<ValueId>(v)).shape;
    if (!shapeIsConst(shape) || shape[1].off % 16 != 0) {
      ok[root] = 0;
      continue;
    }
    const double bytes = 4.0 * static_cast<double>(shapeNumel(shape));
    const ValueId vid = static_cast<ValueId>(v);
    auto visit = [&](NodeId id, bool produced) {
      const Node& n = g.nodes[id];
      // A node that only takes v's shape reads it in any layout.
      bool shapeOnly = !produced;
      for (size_t k = 0; k < n.inputs.size(); ++k)
        if (n.inputs[k] == vid && !has(rules[id].shapeIns, static_cast<int>(k))) shapeOnly = false;
      if (shapeOnly) return;
      if (!takesBlocked(g, n)) ok[root] = 0;
      if (!convActivation(n, vid, produced) || fewOutputConv(g, n)) return;
      (wantsBlocked(g, n, !produced) ? costNhwc : costBlocked)[root] += bytes;
    };
    if (producer[v] >= 0) visit(producer[v], true);
    for (NodeId u : users[v])
      visit(u, false);
  }
  for (size_t v = 0; v < nv; ++v) {
    const ValueId root = groups.find(static_cast<ValueId>(v));
    if (ok[root] && costNhwc[root] > 0 && costBlocked[root] <= costNhwc[root])
      layout[v] = Layout::Blocked16;
  }
}

} // namespace

std::vector<Layout> activationLayouts(const Graph& g) {
  const auto users = g.users();
  const std::vector<LayoutRule> rules = rulesOf(g);
  const std::vector<bool> cl = nhwcValues(g, rules, users);
  std::vector<Layout> layout(cl.size(), Layout::Plain);
  for (size_t v = 0; v < cl.size(); ++v)
    if (cl[v]) layout[v] = Layout::Nhwc;
  blockGroups(g, rules, users, layout);
  return layout;
}

std::vector<bool> channelsLastValues(const Graph& g) {
  const auto users = g.users();
  return nhwcValues(g, rulesOf(g), users);
}

} // namespace llie::cpu
