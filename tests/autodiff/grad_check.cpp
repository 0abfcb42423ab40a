// The finite-difference harness (grad_check.h): drawing inputs, running the training step and
// comparing gradients with central differences; the case registry.
#include "tests/autodiff/grad_check.h"

#include "compiler/passes/pipelines.h"
#include "compiler/passes/specialize.h"

#include <algorithm>
#include <cmath>

namespace llie::gradcheck {

HostTensor draw(const Dims& shape, const Dist& d, std::mt19937& rng) {
  HostTensor t(shape);
  int64_t n = t.numel();
  if (d.distinct) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i)
      v[i] = d.lo + (d.hi - d.lo) * (i + 0.5f) / n;
    std::shuffle(v.begin(), v.end(), rng);
    std::copy(v.begin(), v.end(), t.f32());
    return t;
  }
  std::uniform_real_distribution<float> u(d.lo, d.hi);
  for (int64_t i = 0; i < n; ++i) {
    float x;
    do
      x = u(rng);
    while (std::fabs(x) < d.minAbs);
    t.f32()[i] = x;
  }
  return t;
}

Expected<Graph> weightedSumStep(GC& c, ValueId y, bool outputY) {
  ValueId r = c.g.add(OpKind::Input, InputAttrs{"r"}, {}, c.g.type(y));
  ValueId loss = c.op(OpKind::ReduceSum, ReduceAttrs{}, {c.op(OpKind::Mul, {y, r})});
  c.g.kind = GraphKind::Training;
  c.g.outputs = {{"loss.l", loss}};
  if (!outputY) return buildTrainingStep(c.g, {true, false});
  // The backward pass keeps only loss outputs: y joins right after it (no pass up to there
  // renumbers values), and the later passes carry it along.
  Graph g = c.g;
  std::vector<std::string> passes = trainingPipeline({true, false});
  auto backward = std::find(passes.begin(), passes.end(), "backward") + 1;
  LLIE_RETURN_IF_ERROR(runPipeline(g, {passes.begin(), backward}, {}, nullptr, {true, false}));
  g.outputs.push_back({"y", y});
  LLIE_RETURN_IF_ERROR(runPipeline(g, {backward, passes.end()}, {}, nullptr, {true, false}));
  return g;
}

void checkGradients(GC& c, ValueId y, Tol tol) {
  ASSERT_NE(y, kNoValue);
  auto step = weightedSumStep(c, y);
  ASSERT_TRUE(step.ok()) << step.status().message();
  auto spec = specializeGraph(*step, {});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(*spec, **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Executor& e = **ex;

  std::mt19937 rng(7);
  std::map<std::string, HostTensor> w = c.states;
  for (auto& [name, dist] : c.params) {
    NodeId id = c.g.findParam(name);
    w[name] = draw(concreteShape(c.g.type(c.g.nodes[id].outputs[0])), dist, rng);
  }
  HostTensor rv = draw(concreteShape(c.g.type(y)), Dist{-1, 1}, rng);
  ASSERT_TRUE(e.setInput("r", rv).ok());
  if (e.hasInput("step")) { // drop_path_train's masks: a fixed step
    HostTensor step(std::vector<int64_t>{});
    step.f32()[0] = 3;
    ASSERT_TRUE(e.setInput("step", step).ok());
  }
  auto lossAt = [&](const std::map<std::string, HostTensor>& ws) {
    EXPECT_TRUE(e.setWeights(ws).ok());
    EXPECT_TRUE(e.run().ok());
    return static_cast<double>(e.output("loss")->f32()[0]);
  };
  lossAt(w);
  std::map<std::string, HostTensor> grads;
  for (auto& o : spec->outputs)
    if (o.name.rfind("grad.", 0) == 0) grads[o.name.substr(5)] = *e.output(o.name);
  int checked = 0;
  for (auto& [name, dist] : c.params) {
    if (!dist.check) {
      EXPECT_EQ(grads.count(name), 0u) << name << " is behind stop_grad but has a gradient";
      continue;
    }
    HostTensor& p = w[name];
    bool has = grads.count(name) > 0;
    for (int64_t i = 0; i < p.numel(); ++i) {
      float keep = p.f32()[i];
      p.f32()[i] = keep + static_cast<float>(tol.eps);
      double up = lossAt(w);
      p.f32()[i] = keep - static_cast<float>(tol.eps);
      double down = lossAt(w);
      p.f32()[i] = keep;
      double fd = (up - down) / (2 * tol.eps);
      double an = has ? grads[name].f32()[i] : 0.0;
      ASSERT_NEAR(an, fd, tol.atol + tol.rtol * std::fabs(fd))
          << name << "[" << i << "] (value " << keep << ")" << (has ? "" : ", no gradient");
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

namespace {
std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
} // namespace

std::vector<Case> registerGradCases(std::vector<Case> cases) {
  registry().insert(registry().end(), cases.begin(), cases.end());
  return cases;
}

const std::vector<Case>& registeredGradCases() {
  return registry();
}

TEST_P(GradCheck, MatchesFiniteDifferences) {
  GC c;
  ValueId y = GetParam().build(c);
  checkGradients(c, y, GetParam().tol);
}

} // namespace llie::gradcheck
