// Deterministic parameter initialisation for graphs run without a weights file. It follows
// PyTorch's default *rules* (zeros / ones / constant, kaiming_uniform with a = sqrt(5) for conv
// and linear weights, U(±1/sqrt(fan_in)) for their biases, N(0, σ²)) but draws from llie's own
// generator (runtime/rng.h: xoshiro256** seeded by splitmix64), not PyTorch's stream. Each
// tensor's stream depends only on (seed, parameter name), so adding or reordering parameters
// never changes the values of the others.
#pragma once
#include "compiler/ir/attrs.h"
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <cstdint>

namespace llie {

/// The bound b of kaiming_uniform's U(-b, b): gain = sqrt(2/(1+a²)) with a = sqrt(5),
/// std = gain/sqrt(fan_in), b = sqrt(3)·std (= 1/sqrt(fan_in)).
double kaimingUniformBound(int64_t fanIn);

/// Fills `t` (already shaped) according to `a.init`. F32 and F64 take every rule; I32, I64 and
/// Bool take only zeros / ones / constant. Returns an error (leaving `t` unchanged) for a random
/// rule on an integer tensor or a non-positive fan_in where one is needed. The result for a given
/// (seed, a.name, shape, rule) is identical on every run and platform.
Status initParam(HostTensor& t, const ParamAttrs& a, uint64_t seed);

} // namespace llie
