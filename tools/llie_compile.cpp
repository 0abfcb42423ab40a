// llie-compile: .llie source -> AST dump, IR, optimised IR, DOT/SVG graph view, the
// self-contained HTML view, a memory report for an input shape, or a plan file that llie-run
// executes, with the pass manager's dumps, verification, stop and timing on the pipeline that
// makes the result. Diagnostics are printed as file:line:col with the source line, a caret and
// hints; the exit code is 1 on any error.
#include "compiler/frontend/parse.h"
#include "compiler/ir/dot.h"
#include "compiler/ir/html_view.h"
#include "compiler/ir/printer.h"
#include "compiler/passes/memory_report.h"
#include "compiler/passes/pipelines.h"
#include "compiler/passes/sink_concat_inputs.h"
#include "compiler/passes/specialize.h"
#include "runtime/atomic_file.h"
#include "runtime/model.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace llie;

// One row per op of ops.def: its inputs, settings, category, flags and which backends run it.
static std::string opTableMarkdown() {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  std::string out = "| op | tensor inputs | settings | category | differentiable | kernels |\n"
                    "|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < kNumOps; ++i) {
    OpKind k = static_cast<OpKind>(i);
    const OpInfo& info = opInfo(k);
    std::string settings;
    Attrs a = defaultAttrs(k);
    std::visit(
        [&](auto& at) {
          at.fields([&](const char* n, auto&) {
            settings += std::string(settings.empty() ? "" : ", ") + n;
          });
        },
        a);
    std::string ins = info.minInputs == info.maxInputs
                          ? std::to_string(info.minInputs)
                          : std::to_string(info.minInputs) + "-" + std::to_string(info.maxInputs);
    std::string kernels;
    if (cpu.ok() && (*cpu)->implements(k)) kernels += "cpu";
    if (ref.ok() && (*ref)->implements(k)) kernels += kernels.empty() ? "reference" : ", reference";
    out += "| `" + std::string(info.name) + "` | " + ins + " | " + settings + " | " +
           categoryName(info.category) + " | " + ((info.flags & kDiff) ? "yes" : "no") + " | " +
           (kernels.empty() ? "later" : kernels) + " |\n";
  }
  return out;
}

// One row per registered pass: name, artifacts, summary.
static std::string passTable() {
  std::string out;
  char line[512];
  for (auto& p : registeredPasses()) {
    std::snprintf(line, sizeof line, "%-18s %-10s %s\n", p.name.c_str(), artifactsName(p.artifacts),
                  p.summary.c_str());
    out += line;
  }
  return out;
}

static int fail(const SourceManager& sm, const Status& st) {
  std::cerr << renderStatus(sm, st);
  size_t n = st.diagnostics().size();
  if (n > 1) std::cerr << n << " errors\n";
  return 1;
}

static Status writeText(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-") {
    std::cout << text;
    return Status::ok();
  }
  return writeFileAtomic(out, text.data(), text.size());
}

/// Renders DOT_PATH to SVG_PATH with Graphviz; false when `dot` is not installed or fails.
static bool dotToSvg(const std::string& dotPath, const std::string& svgPath) {
  std::string cmd = "dot -Tsvg '" + dotPath + "' -o '" + svgPath + "' 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

/// dotToSvg, with a note (not an error) when Graphviz is missing.
static void renderSvg(const std::string& dotPath, const std::string& svgPath) {
  if (!dotToSvg(dotPath, svgPath))
    std::cerr << "note: Graphviz 'dot' is not available; wrote " << dotPath << " only\n";
}

/// "1,3,256,256" -> {1, 3, 256, 256}; empty on a malformed list.
static std::vector<int64_t> parseShape(const std::string& text) {
  std::vector<int64_t> r;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      long long d = std::stoll(item, &used);
      if (used != item.size() || d <= 0) return {};
      r.push_back(d);
    } catch (const std::exception&) {
      return {};
    }
  }
  return r;
}

/// Every input whose shape is symbolic gets `shape` (the image inputs; a train step's `step` and
/// `lr` scalars are already concrete).
static Expected<Graph> specializeFor(const Graph& g, const std::vector<int64_t>& shape) {
  InputShapes shapes;
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Input && !shapeIsConst(g.type(n.outputs[0]).shape))
      shapes[attrsOf<InputAttrs>(n).name] = shape;
  return specializeGraph(g, shapes);
}

/// Graphviz's SVG of a DOT text, or "" when `dot` is not available.
static std::string renderSvg(const std::string& dot) {
  auto dir = std::filesystem::temp_directory_path();
  std::string stem = (dir / ("llie-view-" + std::to_string(::getpid()))).string();
  if (!writeFileAtomic(stem + ".dot", dot.data(), dot.size())) return {};
  std::string svg;
  if (dotToSvg(stem + ".dot", stem + ".svg")) {
    std::ifstream f(stem + ".svg", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    svg = ss.str();
  }
  std::filesystem::remove(stem + ".dot");
  std::filesystem::remove(stem + ".svg");
  return svg;
}

/// The memory report of the specialised graph as the backend plans it (its in-place concats),
/// then the backend's view: its kernels are prepared (nothing runs) so that their working memory
/// is known, and the predicted peak is the arena plus that workspace.
static Status reportMemory(Graph sg, const SourceManager& sm, const std::string& backendName,
                           const std::string& shapeText) {
  LLIE_ASSIGN_OR_RETURN(auto backend, createBackend(backendName));
  // Scheduled as the executor schedules it (sink_concat_inputs.h).
  std::vector<bool> concatsInPlace = backend->concatsInPlace(sg);
  sinkConcatInputs(sg, concatsInPlace);
  MemoryRequests reqs = memoryRequests(sg, concatsInPlace);
  MemoryPlan plan = planMemory(reqs.buffers);
  std::cout << "input shape " << shapeText << "\n" << formatMemoryReport(sg, reqs, plan, &sm);
  LLIE_ASSIGN_OR_RETURN(auto ex, Executor::create(sg, *backend));
  DeviceMemory mem = backend->memoryUse();
  std::cout << "backend " << backendName << ": kernel workspace " << formatBytes(mem.workspace)
            << "\npredicted peak  " << formatBytes(ex->memoryPlan().arenaBytes + mem.workspace)
            << "  (" << ex->memoryPlan().arenaBytes + mem.workspace
            << " bytes: arena + workspace)\n"
            << "layouts: " << backend->reordersPerRun()
            << " activation reorders per run (layout changes the backend's kernels make)\n";
  return Status::ok();
}

int main(int argc, char** argv) {
  CLI::App app{
      "llie-compile: compile a .llie model into a plan, or show what the compiler sees.\n"
      "Examples:\n"
      "  llie-compile models/zero_dce.llie -o zero_dce.plan\n"
      "  llie-compile models/sadfpn_unet.llie --emit ir\n"
      "  llie-compile models/sadfpn_unet.llie --emit dot -o unet.svg   (SVG needs Graphviz)\n"
      "  llie-compile models/zero_dce.llie --entry ZeroDCETrain --emit ir-opt \\\n"
      "      --dump-after=all --dump-dir dumps --print-pass-timing\n"
      "  llie-compile models/sadfpn_unet.llie --emit html -o unet.html\n"
      "  llie-compile models/sadfpn_unet.llie --input-shape 1,3,512,512 --report memory"};
  std::string input, entry, emit = "plan", out, report, inputShape, backendName = "cpu";
  std::vector<std::string> includes, sets;
  bool allOutputs = false;
  bool listOps = false, listPasses = false;
  std::string dumpFormat = "ir";
  PassOptions passes;
  app.add_option("model", input, "the .llie file");
  app.add_flag("--list-ops", listOps, "print the op table as Markdown (docs/ops.md) and exit");
  app.add_flag("--list-passes", listPasses, "print every pass (name, artifacts, summary) and exit");
  app.add_option("--entry", entry, "model or train entry to compile (default: the first model)");
  app.add_option("--emit", emit, "what to write: ast, ir, ir-opt, plan, dot, html")
      ->check(CLI::IsMember({"ast", "ir", "ir-opt", "plan", "dot", "html"}));
  app.add_option("--report", report,
                 "print a report instead of writing a plan: memory (the planned arena and the "
                 "predicted peak for --input-shape)")
      ->check(CLI::IsMember({"memory"}));
  app.add_option("--input-shape", inputShape,
                 "N,C,H,W of the image input(s) for --report memory and the HTML view's memory "
                 "timeline (default 1,3,256,256)");
  app.add_option("--backend", backendName, "backend whose kernels --report memory prepares")
      ->check(CLI::IsMember({"cpu", "reference", "cuda"}));
  app.add_option("-o,--output", out,
                 "output file (default: stdout for text, MODEL.plan for plans; .svg renders DOT)");
  app.add_option("-I,--include", includes, "extra folder to search for imports");
  app.add_option("--set", sets, "override an entry parameter, e.g. --set iterations=4");
  app.add_flag("--all-outputs", allOutputs, "keep every declared output (default: the first)");
  app.add_option("--dump-after", passes.dumpAfter,
                 "dump the graph after these passes (repeatable or comma-separated; all = every "
                 "pass)")
      ->delimiter(',');
  app.add_option("--dump-format", dumpFormat, "dump as ir (text), dot or svg (needs --dump-dir)")
      ->check(CLI::IsMember({"ir", "dot", "svg"}));
  app.add_option("--dump-dir", passes.dumpDir,
                 "write dumps as DIR/NN-PASS.ir|dot|svg (default: text on stderr)");
  app.add_flag("--verify-each", passes.verifyEach, "run the IR verifier after every pass");
  app.add_option("--stop-after", passes.stopAfter, "run the pipeline up to this pass only");
  app.add_flag("--print-pass-timing", passes.printTiming,
               "print each pass's time, changes and node counts to stderr");
  CLI11_PARSE(app, argc, argv);

  if (listOps) {
    std::cout << opTableMarkdown();
    return 0;
  }
  if (listPasses) {
    std::cout << passTable();
    return 0;
  }
  passes.dumpFormat = dumpFormat == "ir" ? DumpFormat::Ir : DumpFormat::Dot;
  if (dumpFormat == "svg" && passes.dumpDir.empty()) {
    std::cerr << "error: --dump-format svg writes files; give --dump-dir\n";
    return 2;
  }
  if (passes.any() && (emit == "ir" || emit == "ast")) {
    std::cerr << "error: --emit " << emit
              << " runs no passes; the pass flags apply to ir-opt, dot and plan\n";
    return 2;
  }
  if (input.empty()) {
    std::cerr << "error: no model given\n" << app.help();
    return 2;
  }
  SourceManager sm;
  if (emit == "ast") {
    auto m = parseFile(sm, input);
    if (!m) return fail(sm, m.status());
    Status st = writeText(out, printAst(*m));
    return st ? 0 : fail(sm, st);
  }
  CompileOptions opt;
  opt.elab.entry = entry;
  opt.elab.allOutputs = allOutputs;
  opt.searchPaths = includes;
  opt.optimize = emit != "ir";
  // A train entry's optimised IR and graph drawing show the whole training step: training-mode
  // forward, backward and optimizer (plans keep the entry as written; llie-run builds the step).
  opt.trainingStep = emit == "ir-opt" || emit == "dot" || emit == "html" || !report.empty();
  opt.passes = passes;
  for (auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) {
      std::cerr << "error: --set expects NAME=VALUE, got '" << s << "'\n";
      return 2;
    }
    opt.elab.overrides[s.substr(0, eq)] = s.substr(eq + 1);
  }
  // The pass manager writes DOT dumps; SVG ones are rendered from them here.
  PassReport passReport;
  opt.passes.report = &passReport;
  auto m = compileModel(sm, input, opt);
  if (!m) return fail(sm, m.status());
  if (dumpFormat == "svg")
    for (auto& dotPath : passReport.dumpFiles)
      renderSvg(dotPath, dotPath.substr(0, dotPath.size() - 4) + ".svg");
  std::string shapeText = inputShape.empty() ? "1,3,256,256" : inputShape;
  std::vector<int64_t> shape = parseShape(shapeText);
  if (shape.empty()) {
    std::cerr << "error: --input-shape expects positive sizes like 1,3,256,256, got '" << shapeText
              << "'\n";
    return 2;
  }
  Status st;
  if (!report.empty()) {
    auto sg = specializeFor(m->graph, shape);
    if (!sg) return fail(sm, sg.status());
    st = reportMemory(*sg, sm, backendName, shapeText);
    if (!st) return fail(sm, st);
    if (emit == "plan" && out.empty()) return 0;
  }
  if (emit == "html") {
    // Shapes and the timeline are those of the specialised graph; a shape the model refuses
    // (a `require`) still gets the symbolic view, without the timeline.
    // The specialised graph is scheduled as the executor schedules it (sink_concat_inputs.h).
    auto sg = specializeFor(m->graph, shape);
    auto backend = createBackend(backendName);
    std::vector<bool> concatsInPlace;
    if (sg && backend) {
      concatsInPlace = (*backend)->concatsInPlace(*sg);
      sinkConcatInputs(*sg, concatsInPlace);
    }
    const Graph& shown = sg ? *sg : m->graph;
    if (!sg) std::cerr << "note: no memory timeline: " << sg.status().message() << "\n";
    std::string svg = renderSvg(graphToDot(shown, &sm));
    if (svg.empty())
      std::cerr << "note: Graphviz 'dot' is not available; the page has no drawing\n";
    MemoryRequests reqs;
    MemoryPlan plan;
    HtmlMemory mem{&reqs, &plan, shapeText};
    std::vector<std::string> layouts; // how --backend stores each value
    if (sg) {
      reqs = memoryRequests(*sg, concatsInPlace);
      plan = planMemory(reqs.buffers);
      if (backend) layouts = (*backend)->valueLayouts(*sg);
    }
    st = writeText(out, htmlView(shown, &sm, svg, sg ? &mem : nullptr, layouts));
  } else if (emit == "ir" || emit == "ir-opt") {
    st = writeText(out, printGraph(m->graph, &sm));
  } else if (emit == "dot") {
    std::string dot = graphToDot(m->graph, &sm);
    if (out.size() > 4 && out.ends_with(".svg")) {
      std::string dotPath = out.substr(0, out.size() - 4) + ".dot";
      st = writeText(dotPath, dot);
      if (st) renderSvg(dotPath, out);
    } else {
      st = writeText(out, dot);
    }
  } else {
    if (out.empty()) out = std::filesystem::path(input).stem().string() + ".plan";
    st = savePlan(out, *m, sm);
    if (st)
      std::cerr << "wrote " << out << " (" << m->graph.entry << ", " << m->graph.nodes.size()
                << " nodes)\n";
  }
  return st ? 0 : fail(sm, st);
}
