// The pass manager (see pass_manager.h): name checks, then per pass the artifact check, the run,
// verification, the dump and the timing row.
#include "compiler/passes/pass_manager.h"
#include "compiler/ir/dot.h"
#include "compiler/ir/printer.h"
#include "compiler/ir/verifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace llie {

const char* artifactsName(Artifacts a) {
  switch (a) {
  case Artifacts::Inference:
    return "inference";
  case Artifacts::Training:
    return "training";
  case Artifacts::Both:
    return "both";
  }
  return "?";
}

namespace {

std::string joinNames(const std::vector<PassInfo>& pipeline) {
  std::string s;
  for (auto& p : pipeline)
    s += (s.empty() ? "" : ", ") + p.name;
  return s.empty() ? "none" : s;
}

// Every name the options refer to must be a pass of this pipeline.
Status checkNames(const std::vector<PassInfo>& pipeline, const PassOptions& opt) {
  auto known = [&](const std::string& n) {
    return std::any_of(pipeline.begin(), pipeline.end(),
                       [&](const PassInfo& p) { return p.name == n; });
  };
  std::vector<std::string> names = opt.dumpAfter;
  if (!opt.stopAfter.empty()) names.push_back(opt.stopAfter);
  for (auto& n : names) {
    if (n == "all" || known(n)) continue;
    return Status::error("no pass '" + n +
                             "' in this pipeline; its passes are: " + joinNames(pipeline),
                         {}, {"llie-compile --list-passes lists every pass"});
  }
  return Status::ok();
}

bool appliesTo(Artifacts a, GraphKind k) {
  auto bit =
      static_cast<uint8_t>(k == GraphKind::Training ? Artifacts::Training : Artifacts::Inference);
  return (static_cast<uint8_t>(a) & bit) != 0;
}

size_t liveNodes(const Graph& g) {
  return static_cast<size_t>(
      std::count_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return !n.dead; }));
}

bool wantsDump(const PassOptions& opt, const std::string& name) {
  return std::any_of(opt.dumpAfter.begin(), opt.dumpAfter.end(),
                     [&](const std::string& n) { return n == "all" || n == name; });
}

// Writes the graph after pass number `index` (1-based) to the log or to DIR/NN-NAME.EXT.
Status dump(const Graph& g, size_t index, const std::string& name, const PassOptions& opt,
            const SourceManager* sm, std::ostream& log, PassReport& report) {
  bool dot = opt.dumpFormat == DumpFormat::Dot;
  std::string text = dot ? graphToDot(g, sm) : printGraph(g, sm);
  if (opt.dumpDir.empty()) {
    log << (dot ? "// " : "") << "---- after pass " << index << " '" << name << "' ----\n" << text;
    return Status::ok();
  }
  std::error_code ec;
  std::filesystem::create_directories(opt.dumpDir, ec);
  std::string number = std::to_string(index);
  if (number.size() < 2) number.insert(0, "0");
  std::string file = number + "-" + name + (dot ? ".dot" : ".ir");
  std::string path = (std::filesystem::path(opt.dumpDir) / file).string();
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f.good()) return Status::error("cannot write the dump '" + path + "'");
  report.dumpFiles.push_back(path);
  return Status::ok();
}

// The verifier's message, said to come from `who`, at the verifier's location.
Status brokenBy(Status st, const std::string& who) {
  st.diagnostics()[0].message = who + " left an invalid graph: " + st.diagnostics()[0].message;
  return st;
}

} // namespace

Status runPasses(Graph& g, const std::vector<PassInfo>& pipeline, const PassOptions& opt,
                 const SourceManager* sm) {
  LLIE_RETURN_IF_ERROR(checkNames(pipeline, opt));
  std::ostream& log = opt.log ? *opt.log : std::cerr;
  PassReport local;
  PassReport& rep = opt.report ? *opt.report : local;
  if (opt.verifyEach) {
    Status st = verifyGraph(g);
    if (!st) return brokenBy(std::move(st), "the graph given to the first pass");
  }
  for (size_t i = 0; i < pipeline.size(); ++i) {
    const PassInfo& p = pipeline[i];
    if (!appliesTo(p.artifacts, g.kind))
      return Status::error(
          "pass '" + p.name + "' is for " + artifactsName(p.artifacts) + " graphs; '" + g.entry +
          "' is " + (g.kind == GraphKind::Training ? "a training" : "an inference") + " graph");
    PassRun row{p.name, 0, 0, liveNodes(g), 0};
    auto t0 = std::chrono::steady_clock::now();
    Expected<int> changes = p.run(g);
    auto t1 = std::chrono::steady_clock::now();
    if (!changes) return changes.takeStatus();
    row.ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    row.changes = *changes;
    row.nodesAfter = liveNodes(g);
    rep.runs.push_back(row);
    if (opt.verifyEach) {
      Status st = verifyGraph(g);
      if (!st) return brokenBy(std::move(st), "pass '" + p.name + "'");
    }
    if (wantsDump(opt, p.name)) LLIE_RETURN_IF_ERROR(dump(g, i + 1, p.name, opt, sm, log, rep));
    if (p.name == opt.stopAfter) {
      rep.stopped = true;
      break;
    }
  }
  if (opt.printTiming) log << formatPassTiming(rep);
  return Status::ok();
}

std::string formatPassTiming(const PassReport& report) {
  size_t width = 4;
  for (auto& r : report.runs)
    width = std::max(width, r.name.size());
  std::string out;
  char line[256];
  auto row = [&](const std::string& name, const std::string& ms, const std::string& changes,
                 const std::string& nodes) {
    std::snprintf(line, sizeof line, "%-*s %10s %8s  %s\n", static_cast<int>(width), name.c_str(),
                  ms.c_str(), changes.c_str(), nodes.c_str());
    out += line;
  };
  row("pass", "ms", "changes", "nodes");
  double total = 0;
  char ms[32];
  for (auto& r : report.runs) {
    total += r.ms;
    std::snprintf(ms, sizeof ms, "%.3f", r.ms);
    row(r.name, ms, std::to_string(r.changes),
        std::to_string(r.nodesBefore) + " -> " + std::to_string(r.nodesAfter));
  }
  std::snprintf(ms, sizeof ms, "%.3f", total);
  row("total", ms, "", report.stopped ? "(stopped early)" : "");
  return out;
}

} // namespace llie
