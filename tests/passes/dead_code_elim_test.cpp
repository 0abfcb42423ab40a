// Dead-code elimination: values that reach no output disappear (with their parameters), the
// graph stays valid, and the result is numerically the same as the unoptimised graph.
#include "compiler/ir/verifier.h"
#include "compiler/passes/dead_code_elim.h"
#include "runtime/model.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

using namespace llie;
using namespace llie::testing;

namespace {
const char* kSource =
    "model M(x: [N, 3, H, W]) -> (y, unused) {\n"
    "  y = x |> conv2d(4, 3, padding=1, name=\"a\") |> relu() |> conv2d(3, 1, name=\"b\")\n"
    "  side = x |> conv2d(8, 3, padding=1, name=\"side\") |> sigmoid()\n"
    "  unused = side * 2.0\n"
    "}\n";
}

TEST(DeadCodeElim, RemovesBranchesThatReachNoOutput) {
  auto r = compileText(kSource);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph; // compiled with the default pipeline
  EXPECT_EQ(g.nodesOf(OpKind::Conv2d).size(), 2u);
  EXPECT_EQ(g.nodesOf(OpKind::Sigmoid).size(), 0u);
  EXPECT_EQ(g.findParam("side.weight"), -1);
  EXPECT_GE(g.findParam("b.bias"), 0);
  EXPECT_TRUE(verifyGraph(g).isOk());
}

TEST(DeadCodeElim, KeepsEverythingWhenAllOutputsAreWanted) {
  ElaborateOptions eo;
  eo.allOutputs = true;
  auto r = compileText(kSource, eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  Graph g = r->model->graph;
  EXPECT_EQ(eliminateDeadCode(g), 0);
  EXPECT_EQ(g.nodesOf(OpKind::Conv2d).size(), 3u);
}

TEST(DeadCodeElim, OptimisedGraphComputesTheSameNumbers) {
  ElaborateOptions eo;
  eo.allOutputs = true;
  auto full = compileText(kSource, eo);
  auto opt = compileText(kSource);
  ASSERT_TRUE(full->model.ok() && opt->model.ok());
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto wFull = initialWeights(full->model->graph, 3);
  auto wOpt = initialWeights(opt->model->graph, 3);
  ASSERT_TRUE(wFull.ok() && wOpt.ok());
  Enhancer a(*full->model, **backend, *wFull), b(*opt->model, **backend, *wOpt);
  HostTensor x({1, 3, 9, 7});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = float((i * 37) % 101) / 101.f;
  auto ya = a.runRaw(x), yb = b.runRaw(x);
  ASSERT_TRUE(ya.ok() && yb.ok());
  const HostTensor &p = ya->at("y"), &q = yb->at("y");
  ASSERT_EQ(p.shape, q.shape);
  for (int64_t i = 0; i < p.numel(); ++i)
    EXPECT_EQ(p.f32()[i], q.f32()[i]);
}
