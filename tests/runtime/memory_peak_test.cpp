// The memory prediction against the real thing on the cpu backend: for the flagship and
// Zero-DCE at two input shapes, the peak predicted before running (the planned arena plus the
// working memory the prepared kernels declared) is within 10% of the backend's measured peak
// after one run; the arena stays within 1.10x of the lower bound on the flagship's inference and
// training graphs; and an Enhancer given a second shape re-plans (a second executor on the same
// compiled graph) with the backend's peak then holding both arenas and the shared workspace.
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/memory_requests.h"
#include "compiler/passes/specialize.h"
#include "runtime/model.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

using namespace llie;
using namespace llie::testing;

namespace {

Expected<CompiledModel> compile(SourceManager& sm, const std::string& file,
                                const std::string& entry = "") {
  CompileOptions opt;
  opt.elab.entry = entry;
  return compileModel(sm, repoPath("models/" + file), opt);
}

HostTensor image(std::vector<int64_t> shape) {
  HostTensor x(shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = float((i * 37) % 101) / 101.f;
  return x;
}

void expectPredictedPeak(const std::string& file, std::vector<int64_t> shape) {
  SCOPED_TRACE(file + " at " + std::to_string(shape[2]) + "x" + std::to_string(shape[3]));
  SourceManager sm;
  auto m = compile(sm, file);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto sg = specializeGraph(m->graph, {{"x", shape}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(*sg, **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  size_t predicted = (*ex)->memoryPlan().arenaBytes + (*backend)->memoryUse().workspace;
  // Nothing ran yet: the backend holds the arena and what kernels keep (a conv's fixed weights
  // in oneDNN's layout), never more than the prediction.
  EXPECT_GE((*backend)->memoryUse().peak, (*ex)->memoryPlan().arenaBytes);
  EXPECT_LE((*backend)->memoryUse().peak, predicted) << "nothing ran yet";
  auto w = initialWeights(m->graph, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*ex)->setWeights(*w).isOk());
  ASSERT_TRUE((*ex)->setInput("x", image(shape)).isOk());
  ASSERT_TRUE((*ex)->run().isOk());
  size_t measured = (*backend)->memoryUse().peak;
  EXPECT_GT(measured, (*ex)->memoryPlan().arenaBytes / 2);
  double ratio = static_cast<double>(predicted) / static_cast<double>(measured);
  EXPECT_GE(ratio, 0.9) << predicted << " predicted, " << measured << " measured";
  EXPECT_LE(ratio, 1.1) << predicted << " predicted, " << measured << " measured";
}

/// The cpu backend's plan (with its in-place concats) is within 10% of its lower bound.
void expectTightArena(const Graph& g) {
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  MemoryPlan p = planMemory(memoryRequests(g, (*backend)->concatsInPlace(g)).buffers);
  EXPECT_LE(static_cast<double>(p.arenaBytes), 1.10 * static_cast<double>(p.lowerBound))
      << g.entry << ": arena " << p.arenaBytes << ", lower bound " << p.lowerBound;
  EXPECT_LT(p.arenaBytes, p.naiveBytes);
}

} // namespace

TEST(MemoryPeak, PredictionMatchesTheMeasuredPeakForTheFlagship) {
  expectPredictedPeak("sadfpn_unet.llie", {1, 3, 64, 64});
  expectPredictedPeak("sadfpn_unet.llie", {1, 3, 96, 128});
}

TEST(MemoryPeak, PredictionMatchesTheMeasuredPeakForZeroDce) {
  expectPredictedPeak("zero_dce.llie", {1, 3, 64, 64});
  expectPredictedPeak("zero_dce.llie", {1, 3, 120, 80});
}

TEST(MemoryPeak, ArenaWithinTenPercentOfTheLowerBoundOnTheFlagship) {
  SourceManager sm;
  auto inf = compile(sm, "sadfpn_unet.llie");
  ASSERT_TRUE(inf.ok()) << inf.status().message();
  auto sInf = specializeGraph(inf->graph, {{"x", {1, 3, 256, 256}}});
  ASSERT_TRUE(sInf.ok());
  expectTightArena(*sInf);
  auto tr = compile(sm, "sadfpn_unet.llie", "SADFPNTrain");
  ASSERT_TRUE(tr.ok()) << tr.status().message();
  auto step = buildTrainingStep(tr->graph, {});
  ASSERT_TRUE(step.ok()) << step.status().message();
  auto sTr = specializeGraph(*step, {{"x", {4, 3, 128, 128}}, {"gt", {4, 3, 128, 128}}});
  ASSERT_TRUE(sTr.ok()) << sTr.status().message();
  expectTightArena(*sTr);
}

TEST(MemoryPeak, ASecondShapeRePlansWithoutRecompiling) {
  SourceManager sm;
  auto m = compile(sm, "zero_dce.llie");
  ASSERT_TRUE(m.ok());
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto w = initialWeights(m->graph, 1);
  ASSERT_TRUE(w.ok());
  Enhancer e(*m, **backend, *w);
  ASSERT_TRUE(e.runRaw(image({1, 3, 32, 32})).ok());
  auto a = e.executorFor({1, 3, 32, 32});
  ASSERT_TRUE(a.ok());
  size_t arenaA = (*a)->memoryPlan().arenaBytes;
  ASSERT_TRUE(e.runRaw(image({1, 3, 64, 48})).ok());
  EXPECT_EQ(e.plansCached(), 2u);
  auto b = e.executorFor({1, 3, 64, 48});
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  size_t arenaB = (*b)->memoryPlan().arenaBytes;
  // 64x48 has three times the pixels of 32x32; activations dominate, so the arena grows ~3x.
  EXPECT_GT(arenaB, 2 * arenaA);
  DeviceMemory mem = (*backend)->memoryUse();
  EXPECT_EQ(mem.held, arenaA + arenaB + mem.workspace);
  EXPECT_EQ(mem.peak, mem.held);
}
