// GradBuilder: how gradient rules add nodes. Every node a rule adds is appended to the graph,
// typed by its op's shape rule and stamped with the source span of the forward node it
// differentiates, so backward nodes point at the .llie line that caused them (in dumps and
// profiles). A shape error inside a rule is an internal bug; the first one is kept and reported
// by the pass after the rule returns.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie {

class GradBuilder {
public:
  GradBuilder(Graph& g, SourceSpan span) : g_(g), span_(span) {}

  /// Appends a single-output node; kNoValue (and a kept error) when its shape rule fails.
  ValueId op(OpKind k, Attrs a, std::vector<ValueId> inputs);
  template <class A> ValueId op(OpKind k, A a, std::vector<ValueId> inputs) {
    return op(k, Attrs{std::move(a)}, std::move(inputs));
  }
  ValueId op(OpKind k, std::vector<ValueId> inputs) { return op(k, defaultAttrs(k), std::move(inputs)); }
  /// Appends a node with several outputs.
  std::vector<ValueId> ops(OpKind k, Attrs a, std::vector<ValueId> inputs);
  /// A scalar (shape []) constant.
  ValueId scalar(double v);
  /// Sums `grad` over the axes that broadcasting expanded, so that it has `target`'s shape.
  ValueId unbroadcast(ValueId grad, TensorType target);
  /// `v` reshaped to `shape` (no node when it already has it).
  ValueId reshape(ValueId v, Shape shape);
  /// dy with size-1 axes re-inserted at the reduced axes (a keepdim view of a reduction).
  ValueId keepdims(ValueId v, Shape inputShape, const std::vector<int64_t>& axes);

  /// A copy: references into the graph dangle once a node is added.
  TensorType type(ValueId v) const { return g_.type(v); }
  Graph& graph() { return g_; }
  const Status& status() const { return status_; }

private:
  Graph& g_;
  SourceSpan span_;
  Status status_ = Status::ok();
};

/// What a rule gets: the forward node (a copy: the graph grows while the rule runs), the
/// gradient of each of its outputs (kNoValue where none flows) and which inputs need one.
struct GradQuery {
  const Node& node;
  const std::vector<ValueId>& dy;
  const std::vector<bool>& need;
};

/// A gradient rule fills dx (one entry per input, kNoValue = none) or returns an error value
/// for a case it does not handle.
using GradRule = Status (*)(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx);

/// The rule of a differentiable op, or nullptr (the op-table test lists the ops without one).
GradRule gradRuleFor(OpKind op);

// The rule tables of the families (one file each), consulted by gradRuleFor().
GradRule elementwiseGradRule(OpKind op); // grad_elementwise.cpp
GradRule spatialGradRule(OpKind op);     // grad_spatial.cpp: conv, norms, pools, resize
GradRule structuralGradRule(OpKind op);  // grad_structural.cpp: reductions, data movement, losses
GradRule normGradRule(OpKind op);        // grad_norms.cpp: instance/layer/l2 norms, drop_path
GradRule complexGradRule(OpKind op);     // grad_complex.cpp: rfft2, irfft2, abs, angle, polar

} // namespace llie
