// rematerialize (training graphs): a forward activation that the backward pass reads is
// recomputed just before its first backward reader instead of being kept alive from the forward
// pass to the backward pass, when recomputing it is cheap and extends no other tensor's life.
// Cheap: an elementwise op, and the normalised output of batchnorm_train, recomputed as the
// inference `batchnorm` over the same input with the batch's own mean and (biased) variance.
// Safe: every input of the recomputation is a source (parameter, constant, state, input), is
// read anyway at or after that point, or is itself recomputed there from such values (up to
// three producers deep), so no tensor lives longer than before and the peak can only drop. The
// forward part is everything the output "loss" depends on; the other readers are the backward
// (and optimizer) nodes. A read of an input that lends only its shape (inputIsShapeOnly, e.g.
// slice_grad's x) needs no data and is neither a reason to recompute nor a reason an input is
// alive. As relu and relu6 gradients read their output, a conv -> batchnorm -> relu6 chain keeps
// only the conv's output across the step: the relu6 output that the next conv's weight gradient
// and relu6's gradient read is recomputed from it through a recomputed batchnorm output (which
// the relu6 then overwrites in place). Recomputed values are bit-identical to the originals (the
// same kernels on the same inputs; batchnorm in inference form computes what batchnorm_train's
// normalisation computes).
#pragma once
#include "compiler/ir/graph.h"

namespace llie {

/// Returns the number of values recomputed for the backward pass; 0 when the graph has no
/// output named "loss".
int rematerialize(Graph& g);

} // namespace llie
