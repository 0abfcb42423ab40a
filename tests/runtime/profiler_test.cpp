// The profiler on Zero-DCE at 32x32 (cpu backend): one row per live compute node, each at a real
// line of the .llie file; bytes and conv FLOPs equal what the graph's shapes say; the node times
// add up to no more than the wall time of the runs; the Chrome trace has one ordered,
// non-overlapping event per node per run, inside its run; outputs are bit-identical with and
// without profiling; executors of two sizes share rows; the trace keeps whole runs up to its
// event limit; the report is sorted and cut to its top N rows.
#include "compiler/passes/specialize.h"
#include "runtime/executor.h"
#include "runtime/profiler.h"
#include "runtime/weights.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using namespace llie;
using namespace llie::testing;
using json = nlohmann::json;

namespace {

struct ZeroDce {
  std::unique_ptr<CompileResult> c = compileRepoModel("models/zero_dce.llie");
  std::unique_ptr<Backend> backend;
  std::unique_ptr<Executor> ex;
  Weights weights;

  /// Builds the cpu executor for [1, 3, size, size] with seeded weights and a seeded input.
  void make(int64_t size) {
    ASSERT_TRUE(c->model.ok()) << c->errors;
    auto b = createBackend("cpu");
    ASSERT_TRUE(b.ok());
    backend = std::move(*b);
    auto sg = specializeGraph(c->model->graph, {{"x", {1, 3, size, size}}});
    ASSERT_TRUE(sg.ok()) << sg.status().message();
    auto e = Executor::create(std::move(*sg), *backend);
    ASSERT_TRUE(e.ok()) << renderStatus(c->sm, e.status());
    ex = std::move(*e);
    auto w = initialWeights(c->model->graph, 3);
    ASSERT_TRUE(w.ok());
    weights = std::move(*w);
    ASSERT_TRUE(ex->setWeights(weights));
    HostTensor x({1, 3, size, size});
    for (int64_t i = 0; i < x.numel(); ++i)
      x.f32()[i] = static_cast<float>((i * 37) % 101) / 101.f;
    ASSERT_TRUE(ex->setInput("x", x));
  }
  HostTensor output() {
    auto y = ex->output("enhanced");
    EXPECT_TRUE(y.ok());
    return y.ok() ? *y : HostTensor{};
  }
};

/// The nodes the executor runs a kernel for.
std::vector<NodeId> computeNodes(const Graph& g) {
  std::vector<NodeId> r;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].dead && opInfo(g.nodes[i].op).category != OpCategory::Source)
      r.push_back(static_cast<NodeId>(i));
  return r;
}

double valueBytes(const Graph& g, ValueId v) {
  return static_cast<double>(numel(concreteShape(g.type(v))) * dtypeSize(g.type(v).dtype));
}

/// Trace microseconds back to the integer nanoseconds they were made from.
int64_t ns(const json& us) {
  return std::llround(us.get<double>() * 1000.0);
}

std::vector<json> eventsOf(const json& trace, const std::string& cat) {
  std::vector<json> r;
  for (auto& e : trace.at("traceEvents"))
    if (e.value("cat", "") == cat) r.push_back(e);
  return r;
}

} // namespace

TEST(Profiler, RowsTimesBytesAndTraceOfZeroDce) {
  ZeroDce z;
  z.make(32);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(z.ex->run());
  const HostTensor plain = z.output();

  Profiler p;
  z.ex->setProfiler(&p);
  constexpr int kRuns = 3;
  double wallMs = 0;
  for (int r = 0; r < kRuns; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(z.ex->run());
    wallMs +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  const HostTensor profiled = z.output();
  ASSERT_EQ(plain.storage.size(), profiled.storage.size());
  EXPECT_EQ(std::memcmp(plain.storage.data(), profiled.storage.data(), plain.storage.size()), 0)
      << "profiling changed the output";

  const Graph& g = z.ex->graph();
  const auto nodes = computeNodes(g);
  const auto rows = p.rows(z.c->sm);
  ASSERT_EQ(rows.size(), nodes.size());
  EXPECT_EQ(p.runs(), kRuns);
  std::set<NodeId> seen;
  double sumMs = 0;
  int convs = 0;
  for (size_t k = 0; k < rows.size(); ++k) {
    const ProfileRow& r = rows[k];
    SCOPED_TRACE(r.op + " " + r.location);
    ASSERT_GE(r.node, 0);
    ASSERT_LT(r.node, static_cast<NodeId>(g.nodes.size()));
    EXPECT_TRUE(seen.insert(r.node).second) << "node " << r.node << " has two rows";
    const Node& n = g.nodes[r.node];
    EXPECT_EQ(r.op, opName(n.op));
    EXPECT_EQ(r.calls, kRuns);
    EXPECT_GE(r.totalMs, 0.0);
    EXPECT_NEAR(r.meanMs * kRuns, r.totalMs, 1e-9);
    if (k > 0) {
      EXPECT_LE(r.totalMs, rows[k - 1].totalMs) << "rows are not sorted by time";
    }
    sumMs += r.totalMs;
    // The location is file:line:col of a real, non-empty line of a file the compile read.
    ASSERT_TRUE(n.span().valid());
    EXPECT_EQ(r.location, z.c->sm.format(n.span()));
    const std::string path = z.c->sm.path(n.span().file);
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(r.location.rfind(path + ":", 0), 0u);
    EXPECT_FALSE(z.c->sm.lineText(n.span().file, n.span().line).empty());
    // Bytes per run: what the graph's shapes say.
    double read = 0, written = 0;
    for (ValueId v : n.inputs)
      read += valueBytes(g, v);
    for (ValueId v : n.outputs)
      written += valueBytes(g, v);
    EXPECT_EQ(r.readBytes, read);
    EXPECT_EQ(r.writtenBytes, written);
    // conv2d: 2 * numel(y) * (C/G * KH * KW) = 2 * numel(y) * numel(w) / O, per call.
    if (n.op == OpKind::Conv2d) {
      ++convs;
      const auto w = concreteShape(g.type(n.inputs[1]));
      const double f = 2.0 * numel(concreteShape(g.type(n.outputs[0]))) * numel(w) / w[0];
      EXPECT_EQ(r.flops, kRuns * f);
    } else {
      EXPECT_EQ(r.flops, 0.0);
    }
  }
  EXPECT_EQ(convs, 7);
  // Which row is slowest is a measurement, not a property (a loaded machine can stall any
  // kernel), so the order is checked above only as "sorted".
  EXPECT_GT(sumMs, 0.0);
  EXPECT_LE(sumMs, wallMs);
  EXPECT_LE(p.wallMs(), wallMs);
  EXPECT_NEAR(p.kernelMs(), sumMs, 1e-6);

  // The trace, written atomically and read back.
  TmpDir d;
  ASSERT_TRUE(p.writeChromeTrace(d.path("t.json"), z.c->sm));
  std::ifstream f(d.path("t.json"));
  json trace = json::parse(f);
  const auto ev = eventsOf(trace, "node");
  const auto runs = eventsOf(trace, "run");
  ASSERT_EQ(runs.size(), static_cast<size_t>(kRuns));
  ASSERT_EQ(ev.size(), nodes.size() * kRuns);
  std::map<NodeId, int> perNode;
  for (size_t i = 0; i < ev.size(); ++i) {
    const json& e = ev[i];
    EXPECT_EQ(e["ph"], "X");
    EXPECT_EQ(e["tid"], 1);
    const NodeId id = e["args"]["node"].get<NodeId>();
    ++perNode[id];
    // In graph order within a run: event i of run r is compute node i % nodes.
    EXPECT_EQ(id, nodes[i % nodes.size()]);
    EXPECT_EQ(e["name"], opName(g.nodes[id].op));
    EXPECT_EQ(e["args"]["location"], z.c->sm.format(g.nodes[id].span()));
    EXPECT_EQ(e["args"]["bytes_written"].get<double>(), valueBytes(g, g.nodes[id].outputs[0]));
    EXPECT_FALSE(e["args"]["shapes"].get<std::string>().empty());
    EXPECT_GE(ns(e["dur"]), 0);
    // Ordered and not overlapping on the kernels thread.
    if (i > 0) {
      EXPECT_GE(ns(e["ts"]), ns(ev[i - 1]["ts"]) + ns(ev[i - 1]["dur"])) << i;
    }
    // Inside its run.
    const json& run = runs[i / nodes.size()];
    EXPECT_GE(ns(e["ts"]), ns(run["ts"]));
    EXPECT_LE(ns(e["ts"]) + ns(e["dur"]), ns(run["ts"]) + ns(run["dur"]));
  }
  EXPECT_EQ(perNode.size(), nodes.size());
  for (auto& [id, count] : perNode)
    EXPECT_EQ(count, kRuns) << "node " << id;
  EXPECT_EQ(d.entries(), std::vector<std::string>{"t.json"}); // no temporary left behind
}

TEST(Profiler, ReportIsSortedCutToTopNAndHasTotals) {
  ZeroDce z;
  z.make(32);
  ASSERT_FALSE(HasFatalFailure());
  Profiler p;
  z.ex->setProfiler(&p);
  ASSERT_TRUE(z.ex->run());
  const auto rows = p.rows(z.c->sm);
  const std::string rep = p.report(z.c->sm, 3);
  EXPECT_NE(rep.find("total ms"), std::string::npos) << rep;
  EXPECT_NE(rep.find("location"), std::string::npos) << rep;
  EXPECT_NE(rep.find("TOTAL"), std::string::npos) << rep;
  EXPECT_NE(rep.find("by op kind:"), std::string::npos) << rep;
  EXPECT_NE(rep.find(std::to_string(rows.size() - 3) + " more nodes"), std::string::npos) << rep;
  // Exactly the three slowest rows, in order, each ending with its location.
  size_t at = 0;
  for (size_t k = 0; k < 3; ++k) {
    at = rep.find(rows[k].location + "\n", at);
    ASSERT_NE(at, std::string::npos) << rows[k].location << "\n" << rep;
  }
  if (rows[3].location != rows[0].location && rows[3].location != rows[1].location &&
      rows[3].location != rows[2].location) {
    EXPECT_EQ(rep.find(rows[3].location + "\n"), std::string::npos) << rep;
  }
  // The summary by op kind adds up to the kernel time; conv2d has 7 nodes.
  double total = 0;
  for (auto& k : p.byOpKind()) {
    total += k.totalMs;
    if (k.op == "conv2d") {
      EXPECT_EQ(k.nodes, 7);
    }
  }
  EXPECT_NEAR(total, p.kernelMs(), 1e-6);
}

TEST(Profiler, ExecutorsOfTwoSizesShareRows) {
  ZeroDce a, b;
  a.make(32);
  b.make(48);
  ASSERT_FALSE(HasFatalFailure());
  Profiler p;
  a.ex->setProfiler(&p);
  b.ex->setProfiler(&p);
  ASSERT_TRUE(a.ex->run());
  ASSERT_TRUE(b.ex->run());
  const Graph& g = a.ex->graph();
  const auto rows = p.rows(a.c->sm);
  ASSERT_EQ(rows.size(), computeNodes(g).size());
  for (auto& r : rows) {
    EXPECT_EQ(r.calls, 2);
    // Bytes per run: the mean of the two sizes.
    const Node& n = g.nodes[r.node];
    const double written =
        (valueBytes(g, n.outputs[0]) + valueBytes(b.ex->graph(), n.outputs[0])) / 2;
    EXPECT_EQ(r.writtenBytes, written) << r.op;
  }
  auto trace = p.chromeTrace(a.c->sm);
  std::set<std::string> shapes;
  for (auto& e : eventsOf(trace, "node"))
    if (e["args"]["node"] == rows[0].node) shapes.insert(e["args"]["shapes"].get<std::string>());
  EXPECT_EQ(shapes.size(), 2u); // each event carries the shapes it ran with
}

TEST(Profiler, TraceKeepsWholeRunsUpToItsLimit) {
  ZeroDce z;
  z.make(32);
  ASSERT_FALSE(HasFatalFailure());
  const size_t n = computeNodes(z.ex->graph()).size();
  Profiler p(2 * n);
  z.ex->setProfiler(&p);
  for (int r = 0; r < 5; ++r)
    ASSERT_TRUE(z.ex->run());
  EXPECT_EQ(p.runs(), 5);
  EXPECT_EQ(p.tracedRuns(), 2);
  for (auto& r : p.rows(z.c->sm))
    EXPECT_EQ(r.calls, 5);
  auto trace = p.chromeTrace(z.c->sm);
  EXPECT_EQ(eventsOf(trace, "node").size(), 2 * n);
  EXPECT_EQ(eventsOf(trace, "run").size(), 2u);
  // Profiling off again: no more rows are counted.
  z.ex->setProfiler(nullptr);
  ASSERT_TRUE(z.ex->run());
  EXPECT_EQ(p.runs(), 5);
}
