// Model weights: the parameters and state a graph declares, initialised by PyTorch's default
// rules with a seed, or loaded from a safetensors file whose names and shapes must match the
// model exactly (PyTorch's BatchNorm `num_batches_tracked` counters are accepted and ignored).
#pragma once
#include "compiler/ir/graph.h"
#include "runtime/safetensors.h"

#include <map>
#include <string>

namespace llie {

using Weights = std::map<std::string, HostTensor>;

/// Every param/state of the graph, initialised deterministically from `seed`.
Expected<Weights> initialWeights(const Graph& g, uint64_t seed);
/// Checks a loaded file against the graph; lists every missing, unexpected or misshapen tensor.
Status checkWeights(const Graph& g, const TensorFile& file, const std::string& path);

/// "what (count):" and the first 12 names, one per line (a hint listing mismatched tensors).
std::string namesHint(const std::string& what, const std::vector<std::string>& names);
/// Reads `path` and checks it against the graph.
Expected<Weights> loadWeights(const Graph& g, const std::string& path);

} // namespace llie
