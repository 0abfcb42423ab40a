// The node geometry of the spatial gradient ops, read the same way by the reference and the cpu
// backends: conv2d_grad_input / conv2d_grad_weight (x, w, dy), batchnorm (all three forms),
// max/avg_pool2d_grad and resize_grad (x, dy); and the optimizer updates' shape check, shared
// with the cuda backend. A gradient node's output has the shape of the forward input it
// differentiates, so the forward's output shape is read from dy (the last input)
// instead; the checks are the forward's (op_geometry.h), a malformed node is a badNode error value.
// Integer shape arithmetic only, like op_geometry.h.
#pragma once
#include "backends/op_geometry.h"

namespace llie::kernels {

/// conv2d_grad_input / conv2d_grad_weight: the forward conv's geometry with dy = [N, O, OH, OW]
/// in the place of y (hasBias false); the output must be x's (grad input) or w's (grad weight).
Expected<ConvGeom> convGradGeometry(const Graph& g, const Node& n);

/// Why the conv gradient kernels refuse a node ("" when they take it): per-sample weights and
/// fused epilogues (the autodiff pass differentiates the activation separately).
std::string checkConvGrad(const Graph& g, const Node& n);

/// Batch normalisation over NormAttrs.axis: x viewed as [outer, C, inner]; `count` = outer·inner,
/// the elements per channel. batchnorm_train: inputs 1-4 hold C values each; batchnorm_grad:
/// inputs 1-3 hold C values and dy (input 4) has x's shape.
struct NormGeom {
  int64_t outer, C, inner, count;
};
Expected<NormGeom> batchNormGeometry(const Graph& g, const Node& n);

/// batchnorm_train with one value per channel has no unbiased variance (PyTorch refuses it too).
std::string checkBatchNormTrain(const Graph& g, const Node& n);

/// max_pool2d_grad / avg_pool2d_grad (x, dy): the forward pool's geometry, dy in y's place.
Expected<PoolGeom> poolGradGeometry(const Graph& g, const Node& n);

/// resize_grad (x, dy): the forward resize's geometry, dy in y's place.
Expected<PlaneGeom> resizeGradGeometry(const Graph& g, const Node& n);

/// pad_grad (x, dy): the forward pad's geometry, dy in y's place.
Expected<PlaneGeom> padGradGeometry(const Graph& g, const Node& n);

/// reduce_grad(dy) -> y (ReduceGradAttrs.shape): `kept` is dy's shape with the reduced axes kept
/// as 1, `count` the elements each dy value stands for (mean divides by it).
struct ReduceGradGeom {
  Dims y, kept;
  int64_t count;
};
Expected<ReduceGradGeom> reduceGradGeometry(const Graph& g, const Node& n);

/// The optimizer updates (sgd_update, adam_update): "" when inputs [0, nTensors) and every output
/// share the parameter's shape and the other inputs (lr, step) are scalars; otherwise why not.
std::string optimizerShapeProblem(const Graph& g, const Node& n, size_t nTensors);

} // namespace llie::kernels
