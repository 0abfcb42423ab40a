// The pass manager: passes run in pipeline order with one timing row each; --stop-after leaves
// exactly the graph of the pipeline's prefix; --verify-each names the pass that broke the
// graph; --dump-after writes one numbered dump per chosen pass, equal to the graph at that
// point; a pass is refused on the wrong kind of graph; unknown pass names list the valid ones.
#include "compiler/autodiff/training_step.h"
#include "compiler/ir/printer.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/pipelines.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace llie;
using namespace llie::testing;

namespace {

// Zero-DCE's train entry as written (after the entry's own pipeline): 7 convolutions, so 14
// trainable parameters, Adam with clipping.
std::unique_ptr<CompileResult> zeroDceTrain() {
  return compileRepoModel("models/zero_dce.llie", {"ZeroDCETrain", false, {}});
}

size_t countOp(const Graph& g, OpKind k) {
  return g.nodesOf(k).size();
}

bool hasOutput(const Graph& g, const std::string& prefix) {
  return std::any_of(g.outputs.begin(), g.outputs.end(),
                     [&](const GraphOutput& o) { return o.name.rfind(prefix, 0) == 0; });
}

} // namespace

TEST(PassManager, RunsTheTrainingPipelineInOrderWithOneTimingRowPerPass) {
  auto r = zeroDceTrain();
  ASSERT_TRUE(r->model.ok()) << r->errors;
  PassReport report;
  PassOptions po;
  po.report = &report;
  auto step = buildTrainingStep(r->model->graph, {}, po);
  ASSERT_TRUE(step.ok()) << renderStatus(r->sm, step.status());

  std::vector<std::string> names;
  for (auto& run : report.runs)
    names.push_back(run.name);
  EXPECT_EQ(names, trainingPipeline());
  EXPECT_EQ(names,
            (std::vector<std::string>{"training-mode", "backward", "rematerialize",
                                      "fuse-batchnorm-activation", "optimizer-update", "dce"}));
  ASSERT_EQ(report.runs.size(), 6u);
  // Rows chain: each pass starts from the node count the previous one left.
  EXPECT_EQ(report.runs[0].nodesBefore, r->model->graph.nodes.size());
  for (size_t i = 1; i < report.runs.size(); ++i)
    EXPECT_EQ(report.runs[i].nodesBefore, report.runs[i - 1].nodesAfter) << i;
  EXPECT_EQ(report.runs.back().nodesAfter, step->nodes.size());
  for (auto& run : report.runs)
    EXPECT_GE(run.ms, 0.0) << run.name;
  // Zero-DCE has no batchnorm or drop_path: training mode changes nothing; 14 parameters get a
  // gradient and an Adam update each; backward, rematerialize and the optimizer add nodes.
  EXPECT_EQ(report.runs[0].changes, 0);
  EXPECT_EQ(report.runs[0].nodesAfter, report.runs[0].nodesBefore);
  EXPECT_EQ(report.runs[1].changes, 14);
  EXPECT_GT(report.runs[1].nodesAfter, report.runs[1].nodesBefore);
  // rematerialize recomputes some forward values for the backward (rematerialize_test.cpp).
  EXPECT_GT(report.runs[2].changes, 0);
  EXPECT_GT(report.runs[2].nodesAfter, report.runs[2].nodesBefore);
  // No batchnorm: nothing to fuse.
  EXPECT_EQ(report.runs[3].changes, 0);
  EXPECT_EQ(report.runs[4].changes, 14);
  EXPECT_EQ(countOp(*step, OpKind::AdamUpdate), 14u);
  EXPECT_EQ(report.runs[5].changes,
            static_cast<int>(report.runs[5].nodesBefore - report.runs[5].nodesAfter));
  EXPECT_FALSE(report.stopped);

  std::string table = formatPassTiming(report);
  std::istringstream lines(table);
  std::string line;
  std::vector<std::string> firstWords;
  while (std::getline(lines, line))
    firstWords.push_back(line.substr(0, line.find(' ')));
  EXPECT_EQ(firstWords, (std::vector<std::string>{"pass", "training-mode", "backward",
                                                  "rematerialize", "fuse-batchnorm-activation",
                                                  "optimizer-update", "dce", "total"}))
      << table;
  std::string row = std::to_string(report.runs[1].nodesBefore) + " -> " +
                    std::to_string(report.runs[1].nodesAfter);
  EXPECT_NE(table.find(row), std::string::npos) << table;
}

TEST(PassManager, StopAfterLeavesExactlyTheGraphOfThePipelinePrefix) {
  auto r = zeroDceTrain();
  ASSERT_TRUE(r->model.ok()) << r->errors;
  PassOptions stop;
  stop.stopAfter = "backward";
  PassReport report;
  stop.report = &report;
  auto stopped = buildTrainingStep(r->model->graph, {}, stop);
  ASSERT_TRUE(stopped.ok()) << renderStatus(r->sm, stopped.status());
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.runs.size(), 2u);

  // The same two passes run as a pipeline of their own.
  Graph prefix = r->model->graph;
  prefix.kind = GraphKind::Training;
  ASSERT_TRUE(runPipeline(prefix, {"training-mode", "backward"}, {}).isOk());
  EXPECT_EQ(printGraph(*stopped), printGraph(prefix));

  // After backward: the gradients are outputs, there is no optimizer yet, and it verifies.
  EXPECT_TRUE(hasOutput(*stopped, "grad.e_conv1.weight"));
  EXPECT_EQ(countOp(*stopped, OpKind::AdamUpdate), 0u);
  EXPECT_TRUE(verifyGraph(*stopped).isOk());
  auto full = buildTrainingStep(r->model->graph, {});
  ASSERT_TRUE(full.ok());
  EXPECT_NE(printGraph(*stopped), printGraph(*full));
  EXPECT_FALSE(hasOutput(*full, "grad."));
}

TEST(PassManager, VerifyEachNamesThePassThatBrokeTheGraph) {
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  int laterRuns = 0;
  // Gives the last convolution a type its shape rule disagrees with.
  PassInfo corrupt{"corrupt-types", Artifacts::Both, "test: breaks a type", [](Graph& g) {
                     NodeId conv = g.nodesOf(OpKind::Conv2d).back();
                     g.value(g.nodes[conv].outputs[0]).type.shape.pop_back();
                     return Expected<int>(1);
                   }};
  PassInfo later{"later", Artifacts::Both, "test: counts its runs", [&](Graph&) {
                   ++laterRuns;
                   return Expected<int>(0);
                 }};
  auto dce = passesNamed({"dce"});
  ASSERT_TRUE(dce.ok());
  std::vector<PassInfo> pipeline = {(*dce)[0], corrupt, later};

  Graph g = r->model->graph;
  PassOptions po;
  po.verifyEach = true;
  Status st = runPasses(g, pipeline, po, &r->sm);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message().rfind("pass 'corrupt-types' left an invalid graph: ", 0), 0u)
      << st.message();
  EXPECT_EQ(laterRuns, 0);
  // The verifier's location survives: the broken convolution's .llie line.
  std::string rendered = renderStatus(r->sm, st);
  EXPECT_NE(rendered.find("zero_dce.llie:"), std::string::npos) << rendered;

  // Without --verify-each the same pipeline "succeeds": the check is what caught it.
  Graph h = r->model->graph;
  EXPECT_TRUE(runPasses(h, pipeline, {}, &r->sm).isOk());
  EXPECT_EQ(laterRuns, 1);
  EXPECT_FALSE(verifyGraph(h).isOk());
}

TEST(PassManager, DumpAfterAllWritesOneNumberedDumpPerPass) {
  auto r = zeroDceTrain();
  ASSERT_TRUE(r->model.ok()) << r->errors;
  TmpDir d;
  PassOptions po;
  po.dumpAfter = {"all"};
  po.dumpDir = d.path("dumps");
  PassReport report;
  po.report = &report;
  auto step = buildTrainingStep(r->model->graph, {}, po, &r->sm);
  ASSERT_TRUE(step.ok()) << renderStatus(r->sm, step.status());
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(d.path("dumps")))
    files.push_back(e.path().filename());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{
                       "01-training-mode.ir", "02-backward.ir", "03-rematerialize.ir",
                       "04-fuse-batchnorm-activation.ir", "05-optimizer-update.ir", "06-dce.ir"}));
  EXPECT_EQ(report.dumpFiles.size(), 6u);
  // The last dump is the result; the backward dump is the graph stopped there.
  EXPECT_EQ(readAll(d.path("dumps/06-dce.ir")), printGraph(*step, &r->sm));
  PassOptions stop;
  stop.stopAfter = "backward";
  auto atBackward = buildTrainingStep(r->model->graph, {}, stop, &r->sm);
  ASSERT_TRUE(atBackward.ok());
  EXPECT_EQ(readAll(d.path("dumps/02-backward.ir")), printGraph(*atBackward, &r->sm));

  // One chosen pass, as DOT.
  TmpDir d2;
  PassOptions one;
  one.dumpAfter = {"optimizer-update"};
  one.dumpFormat = DumpFormat::Dot;
  one.dumpDir = d2.path("dot");
  ASSERT_TRUE(buildTrainingStep(r->model->graph, {}, one, &r->sm).ok());
  std::vector<std::string> dots;
  for (auto& e : std::filesystem::directory_iterator(d2.path("dot")))
    dots.push_back(e.path().filename());
  EXPECT_EQ(dots, (std::vector<std::string>{"05-optimizer-update.dot"}));
  EXPECT_EQ(readAll(d2.path("dot/05-optimizer-update.dot")).rfind("digraph ", 0), 0u);

  // Without a folder the text goes to the log, with a header naming the pass.
  std::ostringstream log;
  PassOptions toLog;
  toLog.dumpAfter = {"dce"};
  toLog.log = &log;
  ASSERT_TRUE(buildTrainingStep(r->model->graph, {}, toLog, &r->sm).ok());
  EXPECT_EQ(log.str(), "---- after pass 6 'dce' ----\n" + printGraph(*step, &r->sm));
}

TEST(PassManager, RefusesAPassOnTheWrongKindOfGraph) {
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  ASSERT_EQ(r->model->graph.kind, GraphKind::Inference);
  Graph g = r->model->graph;
  Status st = runPipeline(g, {"training-mode"}, {});
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(),
            "pass 'training-mode' is for training graphs; 'ZeroDCE' is an inference graph");
  EXPECT_EQ(printGraph(g), printGraph(r->model->graph)); // untouched
  // dce is for both.
  EXPECT_TRUE(runPipeline(g, {"dce"}, {}).isOk());
}

TEST(PassManager, UnknownPassNamesListTheValidOnes) {
  auto bad = passesNamed({"dce", "fold-everything"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown pass 'fold-everything'; the passes are: training-mode, backward, "
            "optimizer-update, rematerialize, fuse-batchnorm-activation, fold-batchnorm, "
            "fuse-residual, fuse-epilogue, fuse-depthwise, cse, "
            "fuse-elementwise, batchnorm-to-affine, dce");

  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  Graph g = r->model->graph;
  PassOptions po;
  po.dumpAfter = {"backward"}; // a pass, but not of the inference pipeline
  Status st = runPipeline(g, inferencePipeline(), po);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.message(), "no pass 'backward' in this pipeline; its passes are: fold-batchnorm, "
                          "fuse-residual, fuse-epilogue, fuse-depthwise, cse, fuse-elementwise, "
                          "dce");
  po.dumpAfter = {};
  po.stopAfter = "dcee";
  EXPECT_FALSE(runPipeline(g, inferencePipeline(), po).isOk());
}
