// Kernels that keep a prepared copy of a weight (the cpu conv's blocked, Winograd-ready weights)
// must see every setWeights(): an executor runs a conv on one set of weights, is given another,
// and must then match the reference backend on the new ones. Also checks which values count as
// fixed between weight loads (parameters and values computed from them only, in an inference
// graph).
#include "compiler/passes/weight_only.h"
#include "runtime/executor.h"
#include "tests/backends/backend_test_util.h"

#include <gtest/gtest.h>

namespace llie {
namespace {

using bt::Dims;
using bt::f32;

struct ConvGraph {
  Graph g;
  ValueId w, scaledW, y;
};

/// x [1, C, H, W] -> conv2d(x, w * s, b) with a ReLU epilogue; w, s, b parameters.
ConvGraph convGraph(int64_t C, int64_t O, int64_t H, int64_t W) {
  ConvGraph c;
  Graph& g = c.g;
  ValueId x = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({1, C, H, W}));
  c.w = g.add(OpKind::Param, ParamAttrs{"w"}, {}, f32({O, C, 3, 3}));
  ValueId s = g.add(OpKind::Param, ParamAttrs{"s"}, {}, f32({O, 1, 1, 1}));
  ValueId b = g.add(OpKind::Param, ParamAttrs{"b"}, {}, f32({O}));
  c.scaledW = g.add(OpKind::Mul, NoAttrs{}, {c.w, s}, f32({O, C, 3, 3}));
  Conv2dAttrs a;
  a.pad = {1, 1, 1, 1};
  a.epilogue = Epilogue::Relu;
  c.y = g.add(OpKind::Conv2d, a, {x, c.scaledW, b}, f32({1, O, H, W}));
  g.outputs.push_back({"y", c.y});
  return c;
}

std::map<std::string, HostTensor> weightsFor(int64_t C, int64_t O, uint32_t seed) {
  std::mt19937 rng(seed);
  return {{"w", bt::randomTensor({O, C, 3, 3}, rng, -0.1f, 0.1f)},
          {"s", bt::randomTensor({O, 1, 1, 1}, rng, 0.5f, 1.5f)},
          {"b", bt::randomTensor({O}, rng, -0.5f, 0.5f)}};
}

HostTensor runOn(const std::string& backendName, const ConvGraph& c,
                 const std::vector<std::map<std::string, HostTensor>>& loads, const HostTensor& x,
                 std::vector<HostTensor>* perLoad) {
  auto be = createBackend(backendName);
  EXPECT_TRUE(be.ok());
  auto ex = Executor::create(c.g, **be);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  EXPECT_TRUE((*ex)->setInput("x", x).isOk());
  HostTensor last;
  for (auto& w : loads) {
    EXPECT_TRUE((*ex)->setWeights(w).isOk());
    for (int rep = 0; rep < 2; ++rep)
      EXPECT_TRUE((*ex)->run().isOk());
    auto y = (*ex)->output("y");
    EXPECT_TRUE(y.ok());
    perLoad->push_back(*y);
    last = *y;
  }
  return last;
}

TEST(ExecutorWeights, CpuConvSeesEveryWeightLoad) {
  // 64 -> 64 channels, 3x3, stride 1: the cpu kernel takes its Winograd path and keeps weights.
  for (int64_t C : {8, 64}) {
    SCOPED_TRACE("channels " + std::to_string(C));
    ConvGraph c = convGraph(C, 64, 12, 10);
    std::mt19937 rng(7);
    HostTensor x = bt::randomTensor({1, C, 12, 10}, rng, -1.f, 1.f);
    std::vector<std::map<std::string, HostTensor>> loads{weightsFor(C, 64, 1),
                                                         weightsFor(C, 64, 2)};
    std::vector<HostTensor> cpu, ref;
    runOn("cpu", c, loads, x, &cpu);
    runOn("reference", c, loads, x, &ref);
    ASSERT_EQ(cpu.size(), 2u);
    ASSERT_EQ(ref.size(), 2u);
    EXPECT_TRUE(bt::allClose(cpu[0], ref[0], 1e-5, 1e-5));
    EXPECT_TRUE(bt::allClose(cpu[1], ref[1], 1e-5, 1e-5));
    // The second load really changes the result (so the check above means something).
    EXPECT_FALSE(bt::allClose(ref[0], ref[1], 1e-3, 1e-3));
  }
}

TEST(ExecutorWeights, FixedBetweenWeightLoadsMeansParametersOnly) {
  ConvGraph c = convGraph(8, 16, 6, 6);
  EXPECT_TRUE(fixedValues(c.g)[c.w]);
  EXPECT_TRUE(fixedValues(c.g)[c.scaledW]);
  EXPECT_FALSE(fixedValues(c.g)[c.y]); // depends on the input
  c.g.kind = GraphKind::Training; // a training step updates its parameters in place
  EXPECT_FALSE(fixedValues(c.g)[c.scaledW]);
}

} // namespace
} // namespace llie
