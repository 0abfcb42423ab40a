// The program of a fused_elementwise node: the elementwise ops it evaluates, in order, over its
// inputs. Its text form is the node's `expr` attribute, statements separated by "; ", each a
// nested call over %k (input k) and $k (the result of statement k); the last statement is the
// result; an op's settings follow its operands by keyword, e.g.
//   "add(%0, mul(%1, sub(mul(%0, %0), %0))); add($0, mul(%2, sub(mul($0, $0), $0)))"
//   "clamp(add(%0, %1), lo=0, hi=1)"
// The fuse-elementwise pass writes it (formatFusedProgram), the shape rule checks it and the
// kernels parse it once, when they are prepared, into the flat step list (parseFusedProgram).
#pragma once
#include "compiler/ir/attrs.h"
#include "compiler/ir/op.h"
#include "compiler/support/status.h"

#include <string>
#include <string_view>
#include <vector>

namespace llie {

/// One op of a fused program. Operand slots below the program's input count name inputs;
/// slot numInputs + j names step j's result.
struct FusedStep {
  OpKind op = OpKind::Add;
  std::vector<int32_t> args;
  Attrs attrs; ///< the op's settings (all numbers)
};

struct FusedProgram {
  int32_t numInputs = 0;
  std::vector<FusedStep> steps; ///< in evaluation order; the last one is the result
};

/// The ops a fused program may contain: the f32 elementwise ops of ops.def whose settings are
/// all numbers (not the comparisons, whose result is bool, nor the complex ones, the gradient
/// ops, or stochastic ones).
bool isFusibleElementwise(OpKind op);

/// The text form (see above). A step read by exactly one later step is written inside it; the
/// others (and the last) become statements.
std::string formatFusedProgram(const FusedProgram& p);

/// Parses the text form for a node with `numInputs` inputs; an error value for a malformed
/// program (unknown or unfusible op, wrong arity, unknown setting, an operand out of range).
Expected<FusedProgram> parseFusedProgram(std::string_view text, int32_t numInputs);

/// Whether input `k` of the program is read as a where's condition (a bool tensor); the other
/// inputs are f32. An error value when some input is read both ways or a condition is a step's
/// (f32) result.
Expected<std::vector<bool>> fusedConditionInputs(const FusedProgram& p);

} // namespace llie
