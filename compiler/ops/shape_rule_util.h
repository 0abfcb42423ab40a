// Helpers shared by the shape-rule files (shape_rules.cpp, spatial_shape_rules.cpp): error values,
// shape text, rank checks and the sliding-window size, and the rules spatial_shape_rules.cpp
// defines for shapeRuleFor(). Internal to compiler/ops.
#pragma once
#include "compiler/ops/shape_rules.h"

#include <string>
#include <vector>

namespace llie::shape_rules {

using Result = Expected<std::vector<TensorType>>;

inline Status err(std::string msg, std::vector<std::string> hints = {}) {
  return Status::error(std::move(msg), {}, std::move(hints));
}

inline std::string shp(const ShapeQuery& q, const Shape& s) {
  return shapeToString(s, q.syms);
}

inline Result one(TensorType t) {
  return std::vector<TensorType>{std::move(t)};
}

inline bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64;
}

inline Status needRank(const ShapeQuery& q, size_t i, size_t rank, const char* what) {
  if (q.inputs[i].shape.size() != rank)
    return err(std::string(opName(q.op)) + ": " + what + " must have rank " + std::to_string(rank) +
               ", got " + shp(q, q.inputs[i].shape));
  return Status::ok();
}

/// out = floor((in + padTotal - span) / stride) + 1, exact for symbolic dims or an error with a
/// "require" hint.
Expected<Dim> slidingDim(const ShapeQuery& q, const Dim& in, int64_t padTotal, int64_t span,
                         int64_t stride, bool ceilMode, const char* axisName);

Result conv2dRule(const ShapeQuery& q);
Result convTransposeRule(const ShapeQuery& q);
Result poolRule(const ShapeQuery& q);

} // namespace llie::shape_rules
