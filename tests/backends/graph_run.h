// Whole graphs on a backend, for the tests that compare the cpu backend's kernels with the
// reference backend's through the executor (layouts, fused kernels): every output after one run,
// and the norm-wise relative error between two results.
#pragma once
#include "backends/backend.h"
#include "runtime/executor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
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

} // namespace llie::testing
