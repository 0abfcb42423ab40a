// Profiling with a backend's DeviceTimer (as the cuda backend times nodes with CUDA events): the
// executor marks the queue once before the first node and once after each node, reads the marks
// once per run, and gives node k the time between marks k and k + 1. Checked on the host with a
// backend that wraps the cpu one and a timer whose marks are scripted.
#include "backends/device_timer.h"
#include "runtime/executor.h"
#include "runtime/profiler.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

namespace llie {
namespace {

using bt::f32;

/// Mark i is at i² ms; counts the marks and resets it saw.
struct ScriptedTimer : public DeviceTimer {
  int* marks;
  int* resets;
  int used = 0;
  ScriptedTimer(int* m, int* r) : marks(m), resets(r) {}
  void reset() override {
    used = 0;
    ++*resets;
  }
  void mark() override {
    ++used;
    ++*marks;
  }
  std::vector<double> elapsedMs() override {
    std::vector<double> ms;
    for (int i = 0; i < used; ++i)
      ms.push_back(double(i) * i);
    return ms;
  }
};

class TimedBackend : public Backend, public DeviceTimed {
public:
  TimedBackend() : cpu_(std::move(*createBackend("cpu"))) {}
  const char* name() const override { return "timed"; }
  bool implements(OpKind op) const override { return cpu_->implements(op); }
  bool supports(const Graph& g, const Node& n) const override { return cpu_->supports(g, n); }
  Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) override {
    return cpu_->prepare(g, n);
  }
  void* allocate(size_t bytes) override { return cpu_->allocate(bytes); }
  void release(void* p) override { cpu_->release(p); }
  void copyIn(void* d, const void* s, size_t b) override { cpu_->copyIn(d, s, b); }
  void copyOut(void* d, const void* s, size_t b) override { cpu_->copyOut(d, s, b); }
  std::unique_ptr<DeviceTimer> makeTimer() override {
    ++timersMade;
    return std::make_unique<ScriptedTimer>(&marks, &resets);
  }
  int marks = 0, resets = 0, timersMade = 0;

private:
  std::unique_ptr<Backend> cpu_;
};

TEST(DeviceTimer, NodeTimesAreTheGapsBetweenMarks) {
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({2, 2}));
  ValueId n = g.add(OpKind::Neg, NoAttrs{}, {x}, f32({2, 2}));
  ValueId s = g.add(OpKind::Sqrt, NoAttrs{}, {n}, f32({2, 2}));
  ValueId y = g.add(OpKind::Relu, NoAttrs{}, {s}, f32({2, 2}));
  g.outputs.push_back({"y", y});
  TimedBackend be;
  auto ex = Executor::create(g, be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setInput("x", bt::tensor({2, 2}, {-4.f, -9.f, -0.25f, -16.f})).isOk());
  Profiler prof;
  (*ex)->setProfiler(&prof);
  for (int run = 0; run < 2; ++run)
    ASSERT_TRUE((*ex)->run().isOk());
  EXPECT_EQ(be.timersMade, 1);
  EXPECT_EQ(be.resets, 2);
  EXPECT_EQ(be.marks, 2 * 4); // three nodes: a first mark and one after each
  // Marks at 0, 1, 4, 9 ms: neg 1, sqrt 3, relu 5 ms per run.
  EXPECT_NEAR(prof.kernelMs(), 2 * 9.0, 1e-6);
  SourceManager sm;
  std::map<std::string, double> byOp;
  for (const ProfileRow& r : prof.rows(sm))
    byOp[r.op] = r.totalMs;
  EXPECT_NEAR(byOp["neg"], 2 * 1.0, 1e-6);
  EXPECT_NEAR(byOp["sqrt"], 2 * 3.0, 1e-6);
  EXPECT_NEAR(byOp["relu"], 2 * 5.0, 1e-6);
  // The results are the kernels' all the same.
  auto out = (*ex)->output("y");
  ASSERT_TRUE(out.ok());
  const float want[] = {2.f, 3.f, 0.5f, 4.f};
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(out->f32()[i], want[i]) << i;
}

} // namespace
} // namespace llie
