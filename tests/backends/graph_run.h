// Whole graphs on a backend, for the tests that compare the cpu backend's kernels with the
// reference backend's through the executor (layouts, fused kernels): random parameter values,
// every output after one run, and the norm-wise relative error between two results.
#pragma once
#include "backends/backend.h"
#include "backends/kernel_util.h"
#include "runtime/executor.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>

namespace llie::testing {

/// ||a - ref|| / ||ref|| (0 when both vanish).
inline double relNorm(const HostTensor& a, const HostTensor& ref) {
  EXPECT_EQ(a.shape, ref.shape);
  double d = 0, r = 0;
  for (int64_t i = 0; i < a.numel() && i < ref.numel(); ++i) {
    double x = a.f32()[i], y = ref.f32()[i];
    d += (x - y) * (x - y);
    r += y * y;
  }
  if (std::isnan(d)) return INFINITY;
  return r > 0 ? std::sqrt(d / r) : (d == 0 ? 0.0 : INFINITY);
}

/// Every output of `g` after one run on `backendName` with these weights and inputs.
inline std::map<std::string, HostTensor> runOn(const std::string& backendName, const Graph& g,
                                               const std::map<std::string, HostTensor>& weights,
                                               const std::map<std::string, HostTensor>& inputs,
                                               size_t* reorders = nullptr) {
  std::map<std::string, HostTensor> outs;
  auto backend = createBackend(backendName);
  EXPECT_TRUE(backend.ok());
  if (!backend.ok()) return outs;
  auto ex = Executor::create(g, **backend);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  if (!ex.ok()) return outs;
  if (reorders) *reorders = (*backend)->reordersPerRun();
  EXPECT_TRUE((*ex)->setWeights(weights).ok());
  for (auto& [name, t] : inputs) {
    if ((*ex)->hasInput(name)) {
      EXPECT_TRUE((*ex)->setInput(name, t).ok()) << name;
    }
  }
  auto st = (*ex)->run();
  EXPECT_TRUE(st.ok()) << st.message();
  for (auto& o : g.outputs) {
    auto t = (*ex)->output(o.name);
    EXPECT_TRUE(t.ok()) << o.name;
    if (t.ok()) outs[o.name] = std::move(*t);
  }
  return outs;
}

/// `weights` plus a random value for each named parameter of `g`, uniform in its (lo, hi).
template <class Params>
std::map<std::string, HostTensor> randomWeights(const Graph& g, const Params& params,
                                                std::mt19937& rng,
                                                std::map<std::string, HostTensor> weights = {}) {
  for (auto& [name, dist] : params) {
    const NodeId id = g.findParam(name);
    EXPECT_GE(id, 0) << name;
    if (id < 0) continue;
    weights[name] = bt::randomTensor(kernels::concrete(g.type(g.nodes[id].outputs[0]).shape), rng,
                                     dist.lo, dist.hi);
  }
  return weights;
}

} // namespace llie::testing
