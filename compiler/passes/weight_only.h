// Weight-only nodes: the runtime half of constant folding. A compute node whose inputs all
// derive from parameters, constants and unwritten state (never from an input, nor from a state
// tensor that an assign updates) gives the same result on every run of an inference graph, so
// the executor runs it once, when weights are set, and keeps its outputs like parameters
// (fold-batchnorm's W * a and (b - mean) * a + beta are such nodes: BN running statistics are
// state, written only by training graphs). Training graphs have none: parameters change every
// step.
#pragma once
#include "compiler/ir/graph.h"

#include <vector>

namespace llie {

/// Per node: true for a live, non-source, side-effect-free node of an inference graph whose
/// every input is produced by a param, a constant, a state no assign writes, or another
/// weight-only node.
std::vector<bool> weightOnlyNodes(const Graph& g);

/// Per value: the same on every run between two weight loads (a param, a constant, an unwritten
/// state, or a weight-only node's output); all false for a training graph. Kernels that keep a
/// prepared copy of an input (the cpu conv's weights in oneDNN's layout) ask this.
std::vector<bool> fixedValues(const Graph& g);

} // namespace llie
