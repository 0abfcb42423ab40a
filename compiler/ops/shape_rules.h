// Shape rules: for every op, its output types from its input types and attributes. They work
// on symbolic Dims (compile time, where H and W are symbols) and on constant Dims (a concrete
// run) alike. A rule returns an error message (and hints) that the caller locates at the node's
// source span, e.g. "concat: inputs disagree in dimension 2: [1, 64, H/2, W/2] vs [1, 64, H/4,
// W/4]".
#pragma once
#include "compiler/ir/attrs.h"
#include "compiler/ir/op.h"
#include "compiler/support/status.h"

#include <vector>

namespace llie {

struct ShapeQuery {
  OpKind op;
  const Attrs& attrs;
  const std::vector<TensorType>& inputs;
  const SymbolTable& syms;
  /// Sources (input/param/state/constant) have no rule to compute: their declared type is here.
  const std::vector<TensorType>& declared;
};

using ShapeRule = Expected<std::vector<TensorType>> (*)(const ShapeQuery&);

/// The rule of an op, or nullptr when it has none (the op-table test checks that none is missing).
ShapeRule shapeRuleFor(OpKind op);

/// Runs the op's rule after checking arity. Errors carry no span; the caller attaches it.
Expected<std::vector<TensorType>> inferTypes(OpKind op, const Attrs& attrs,
                                             const std::vector<TensorType>& inputs,
                                             const SymbolTable& syms,
                                             const std::vector<TensorType>& declared = {});

/// NumPy broadcasting of two shapes; nullopt when they are incompatible.
std::optional<Shape> broadcastShapes(const Shape& a, const Shape& b);
/// Normalises a possibly negative axis for `rank`; nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, size_t rank);

} // namespace llie
