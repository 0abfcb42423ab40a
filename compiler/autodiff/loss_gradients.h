// The backward pass of the training pipeline: sums a train entry's loss terms (its outputs
// "loss.<name>", which stay outputs) into the output "loss", then appends the gradient of that
// total with respect to every trainable parameter (all but the train config's `freeze`
// prefixes) and outputs each as "grad.<param name>". Those outputs are how the gradients reach
// the optimizer-update pass; without it they are the graph's result (gradient checks).
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace llie {

/// The prefix of the gradient outputs: "grad.e_conv1.weight".
inline constexpr const char* kGradOutputPrefix = "grad.";

/// Returns the number of parameters that got a gradient. A graph without loss terms, or an op
/// without a gradient rule on the loss's path, is an error.
Expected<int> appendLossGradients(Graph& g);

} // namespace llie
