// The finite-difference gradient-check harness shared by the grad_check_*_test.cpp files: a
// graph of parameters feeding the op under test, the loss L = Σ r·f(params) with a fixed random r,
// buildTrainingStep() (autodiff, no optimizer), specialisation and the cpu backend. Each
// parameter's gradient output is compared with central differences of L. Every case file
// registers its cases (registerGradCases) so that the coverage test sees them all.
#pragma once
#include "compiler/autodiff/training_step.h"
#include "compiler/ops/shape_rules.h"
#include "runtime/executor.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace llie::gradcheck {

using bt::Dims;
using bt::f32;

// How a parameter's values are drawn: uniform in [lo, hi], |x| >= minAbs, or (distinct) a
// shuffled evenly spaced grid so that no two values are closer than the FD step. `check` =
// false for a parameter behind stop_grad (the loss moves with it, its gradient is zero).
struct Dist {
  float lo = -1, hi = 1, minAbs = 0;
  bool distinct = false;
  bool check = true;
};

struct GC {
  Graph g;
  std::vector<std::pair<std::string, Dist>> params;
  std::map<std::string, HostTensor> states;

  ValueId param(const Dims& shape, Dist d = {}) {
    std::string name = "p" + std::to_string(params.size());
    params.push_back({name, d});
    return g.add(OpKind::Param, ParamAttrs{name}, {}, f32(shape));
  }
  ValueId state(const std::string& name, const Dims& shape, float value) {
    HostTensor t(shape);
    std::fill(t.f32(), t.f32() + t.numel(), value);
    states[name] = t;
    return g.add(OpKind::State, ParamAttrs{name}, {}, f32(shape));
  }
  ValueId op(OpKind k, Attrs a, std::vector<ValueId> ins) {
    std::vector<TensorType> ts;
    for (ValueId v : ins)
      ts.push_back(g.type(v));
    auto t = inferTypes(k, a, ts, g.symbols);
    EXPECT_TRUE(t.ok()) << opName(k) << ": " << (t.ok() ? "" : t.status().message());
    if (!t.ok()) return kNoValue;
    NodeId id = g.addNode(k, std::move(a), std::move(ins), *t);
    return g.nodes[id].outputs[0];
  }
  ValueId op(OpKind k, std::vector<ValueId> ins) { return op(k, defaultAttrs(k), std::move(ins)); }
  ValueId scalar(double v) { return g.add(OpKind::Constant, ConstantAttrs{v, {}}, {}, f32({})); }
};

struct Tol {
  double eps = 1e-2, atol = 2e-3, rtol = 1e-2;
};

/// The training step of the loss Σ r·y (r: an input named "r" shaped like y): every parameter's
/// gradient exposed as output grad.<name>, no optimizer. Turns c.g into the loss graph. With
/// `outputY`, y itself is an output too, named "y" (passes renumber values: this is how a caller
/// finds y in the step), through the same passes.
Expected<Graph> weightedSumStep(GC& c, ValueId y, bool outputY = false);

/// Builds the loss Σ r·y, differentiates, and compares every parameter's gradient with central
/// differences.
void checkGradients(GC& c, ValueId y, Tol tol = {});

struct Case {
  std::string name;
  OpKind op; ///< the op whose rule the case checks
  std::function<ValueId(GC&)> build;
  Tol tol = {};
};

/// Adds a file's cases to the registry the coverage test reads; returns them (for
/// INSTANTIATE_TEST_SUITE_P).
std::vector<Case> registerGradCases(std::vector<Case> cases);
const std::vector<Case>& registeredGradCases();

class GradCheck : public ::testing::TestWithParam<Case> {};

inline std::string caseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

} // namespace llie::gradcheck
