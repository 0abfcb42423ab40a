// A kernel that throws while running (as the cuda backend's kernels throw CudaError on a failed
// launch or device call) must not escape the executor: run() and setWeights() return an error
// naming the op and carrying its .llie span, whatever the backend. Checked here on the host with
// a backend that wraps the cpu one and hands out a throwing kernel for one op kind, or throws
// from synchronize().
#include "runtime/executor.h"
#include "runtime/profiler.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace llie {
namespace {

using bt::f32;

class ThrowingKernel : public Kernel {
public:
  void run(const std::vector<const Tensor*>&, const std::vector<Tensor*>&) override {
    throw std::runtime_error("device fault in the test kernel");
  }
};

/// The cpu backend, except that op `failing`'s kernel throws and, with `failSync`, so does
/// synchronize().
class ThrowingBackend : public Backend {
public:
  ThrowingBackend(OpKind failing, bool failSync)
      : cpu_(std::move(*createBackend("cpu"))), failing_(failing), failSync_(failSync) {}
  const char* name() const override { return "throwing"; }
  bool implements(OpKind op) const override { return cpu_->implements(op); }
  bool supports(const Graph& g, const Node& n) const override { return cpu_->supports(g, n); }
  Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) override {
    if (n.op == failing_) return std::unique_ptr<Kernel>(new ThrowingKernel);
    return cpu_->prepare(g, n);
  }
  void* allocate(size_t bytes) override { return cpu_->allocate(bytes); }
  void release(void* p) override { cpu_->release(p); }
  void copyIn(void* d, const void* s, size_t b) override { cpu_->copyIn(d, s, b); }
  void copyOut(void* d, const void* s, size_t b) override { cpu_->copyOut(d, s, b); }
  void synchronize() override {
    if (failSync_) throw std::runtime_error("an earlier launch failed");
  }

private:
  std::unique_ptr<Backend> cpu_;
  OpKind failing_;
  bool failSync_;
};

const SourceSpan kReluSpan{0, 7, 5, 4};
const SourceSpan kNegSpan{0, 3, 9, 3};

/// y = relu(x + neg(w)) with w a parameter (neg(w) is weight-only), each node with its span.
Graph smallGraph() {
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({2, 3}));
  ValueId w = g.add(OpKind::Param, ParamAttrs{"w"}, {}, f32({2, 3}));
  ValueId nw = g.add(OpKind::Neg, NoAttrs{}, {w}, f32({2, 3}), kNegSpan);
  ValueId s = g.add(OpKind::Add, NoAttrs{}, {x, nw}, f32({2, 3}));
  ValueId y = g.add(OpKind::Relu, NoAttrs{}, {s}, f32({2, 3}), kReluSpan);
  g.outputs.push_back({"y", y});
  return g;
}

std::map<std::string, HostTensor> weights() {
  return {{"w", bt::tensor({2, 3}, {1, -2, 3, -4, 5, -6})}};
}

HostTensor input() {
  return bt::tensor({2, 3}, {0.5f, -3.f, 4.f, -1.f, -4.f, 7.f});
}

TEST(ExecutorErrors, WorkingBackendRunsTheGraph) {
  // The wrapper with nothing failing gives relu(x − w): the harness itself is sound.
  ThrowingBackend be(OpKind::Sqrt, false);
  auto ex = Executor::create(smallGraph(), be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights(weights()).isOk());
  ASSERT_TRUE((*ex)->setInput("x", input()).isOk());
  ASSERT_TRUE((*ex)->run().isOk());
  auto y = (*ex)->output("y");
  ASSERT_TRUE(y.ok());
  const float want[] = {0.f, 0.f, 1.f, 3.f, 0.f, 13.f};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y->f32()[i], want[i]) << i;
}

TEST(ExecutorErrors, ThrowingKernelIsAnErrorWithTheOpAndSpan) {
  ThrowingBackend be(OpKind::Relu, false);
  auto ex = Executor::create(smallGraph(), be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights(weights()).isOk());
  ASSERT_TRUE((*ex)->setInput("x", input()).isOk());
  Status st = (*ex)->run();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("op 'relu' failed"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("throwing backend"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("device fault in the test kernel"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.diagnostics()[0].span, kReluSpan);
}

TEST(ExecutorErrors, ThrowingWeightOnlyKernelFailsSetWeights) {
  ThrowingBackend be(OpKind::Neg, false);
  auto ex = Executor::create(smallGraph(), be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Status st = (*ex)->setWeights(weights());
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("op 'neg' failed"), std::string::npos) << st.message();
  EXPECT_EQ(st.diagnostics()[0].span, kNegSpan);
}

TEST(ExecutorErrors, FailedSynchronizeIsAnError) {
  ThrowingBackend be(OpKind::Sqrt, true);
  auto ex = Executor::create(smallGraph(), be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Status st = (*ex)->setWeights(weights());
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("an earlier launch failed"), std::string::npos) << st.message();
}

TEST(ExecutorErrors, ProfiledRunPinsAFailedSynchronizeOnTheNode) {
  // Profiling waits after every node, so an error the device reports late is pinned on the
  // node that ran just before.
  Graph g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({2, 3}));
  ValueId y = g.add(OpKind::Relu, NoAttrs{}, {x}, f32({2, 3}), kReluSpan);
  g.outputs.push_back({"y", y});
  ThrowingBackend be(OpKind::Sqrt, true);
  auto ex = Executor::create(g, be);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  Profiler prof;
  (*ex)->setProfiler(&prof);
  ASSERT_TRUE((*ex)->setInput("x", input()).isOk());
  Status st = (*ex)->run();
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("op 'relu'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("an earlier launch failed"), std::string::npos) << st.message();
  EXPECT_EQ(st.diagnostics()[0].span, kReluSpan);
}

} // namespace
} // namespace llie
