// Specialisation: binds the graph's symbols (N, H, W, ...) from concrete input shapes, checks
// the `require` constraints, and rewrites every shape and Dim attribute to constants, re-running
// the shape rules so the concrete graph is verified. Backends only ever see specialised graphs.
// This is what makes a new resolution a re-plan, not a recompile.
#pragma once
#include "compiler/ir/graph.h"

#include <map>
#include <string>
#include <vector>

namespace llie {

using InputShapes = std::map<std::string, std::vector<int64_t>>;

Expected<Graph> specializeGraph(const Graph& g, const InputShapes& inputs);

/// The divisor that each dimension of input `name` must be a multiple of (1 when free).
std::vector<int64_t> inputDivisors(const Graph& g, const std::string& name);

} // namespace llie
