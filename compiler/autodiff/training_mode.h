// The training-mode pass: rewrites the forward of a train entry the way PyTorch's .train() runs
// it. Each batchnorm becomes batchnorm_train (batch statistics), whose updated running
// statistics are written back to their state tensors by `assign` nodes; each drop_path becomes
// drop_path_train, which reads the scalar input "step" (made, first in the graph, if need be)
// and gets its ordinal among the drop_paths as the seed of its masks.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/status.h"

namespace llie {

/// Returns the number of nodes rewritten.
Expected<int> toTrainingMode(Graph& g);

/// Mixes a training run's seed into every drop_path_train's seed (runSeed · 2^32 + ordinal), so
/// `--seed` changes the masks as it changes the weights and the data; seed 0 leaves them as the
/// pass made them. The trainer calls it on the step graph it runs.
void seedDropPaths(Graph& g, uint64_t runSeed);

/// Moves every `assign` after all other nodes, keeping both groups in order, so that every read
/// of a parameter or running statistic happens before it is overwritten. Assigns' outputs are
/// never read, so the order stays topological. Passes that append nodes after the training-mode
/// assigns (backward, optimizer-update) call it last.
void moveAssignsLast(Graph& g);

} // namespace llie
