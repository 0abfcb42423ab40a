// Profiler (see profiler.h): aggregation per node, the text report and the Chrome trace.
#include "runtime/profiler.h"
#include "backends/op_geometry.h"
#include "compiler/passes/memory_report.h"
#include "runtime/atomic_file.h"

#include <algorithm>
#include <cstdio>

namespace llie {

using json = nlohmann::json;

Profiler::Profiler(size_t maxTraceEvents) : origin_(Clock::now()), maxEvents_(maxTraceEvents) {}

void Profiler::beginRun() {
  // A run is traced whole or not at all: the trace ends before the first run that could pass
  // the event limit (the first run is always traced).
  tracing_ = runs_ == tracedRuns_ && (runs_ == 0 || events_.size() + eventsLastRun_ <= maxEvents_);
  eventsAtRunStart_ = events_.size();
  runStart_ = Clock::now();
}

void Profiler::endRun() {
  const auto end = Clock::now();
  wallNs_ += std::chrono::duration_cast<std::chrono::nanoseconds>(end - runStart_).count();
  if (tracing_) {
    runSpans_.emplace_back(sinceOrigin(runStart_), sinceOrigin(end) - sinceOrigin(runStart_));
    ++tracedRuns_;
    eventsLastRun_ = events_.size() - eventsAtRunStart_;
  }
  ++runs_;
}

/// The .llie variable the node's first output was bound to; else the module of the first
/// parameter it reads ("e_conv1" for a conv reading e_conv1.weight); else "".
static std::string nodeLabel(const Graph& g, const Node& n) {
  if (!n.outputs.empty() && !g.values[n.outputs[0]].name.empty())
    return g.values[n.outputs[0]].name;
  for (ValueId v : n.inputs) {
    const Node& p = g.producer(v);
    if (p.op != OpKind::Param) continue;
    const std::string& name = attrsOf<ParamAttrs>(p).name;
    return name.substr(0, name.rfind('.'));
  }
  return {};
}

size_t Profiler::slotFor(const Graph& g, NodeId node) {
  const Node& n = g.nodes[node];
  auto [it, fresh] = index_.try_emplace({node, n.op}, slots_.size());
  if (fresh) {
    Slot s;
    s.node = node;
    s.op = n.op;
    s.name = nodeLabel(g, n);
    s.spans = n.spans;
    slots_.push_back(std::move(s));
  }
  return it->second;
}

/// Multiply-adds times two for the ops whose arithmetic is the point (conv, matmul); 0 otherwise.
static double flopsOf(const Graph& g, const Node& n) {
  switch (n.op) {
  case OpKind::Conv2d: {
    auto c = kernels::convGeometry(g, n);
    if (!c) return 0;
    return 2.0 * c->N * c->O * c->OH * c->OW * c->Cg * c->KH * c->KW;
  }
  case OpKind::ConvTranspose2d: {
    auto c = kernels::convTransposeGeometry(g, n);
    if (!c) return 0;
    return 2.0 * c->N * c->C * c->H * c->W * c->Og * c->KH * c->KW;
  }
  case OpKind::MatMul: {
    auto m = kernels::matmulGeometry(g, n);
    if (!m) return 0;
    double batch = 1;
    for (int64_t b : m->batch)
      batch *= static_cast<double>(b);
    return 2.0 * batch * m->M * m->K * m->N;
  }
  default:
    return 0;
  }
}

static std::string shapeText(const Tensor& t) {
  std::string s = dtypeName(t.dtype);
  s += "[";
  for (size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(t.shape[i]);
  return s + "]";
}

size_t Profiler::variantFor(Slot& s, const Graph& g, const Node& n,
                            const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
  auto same = [&](const Variant& v) {
    if (v.dims.size() != in.size() + out.size()) return false;
    for (size_t i = 0; i < in.size(); ++i)
      if (v.dims[i] != in[i]->shape) return false;
    for (size_t i = 0; i < out.size(); ++i)
      if (v.dims[in.size() + i] != out[i]->shape) return false;
    return true;
  };
  if (s.lastVariant < s.variants.size() && same(s.variants[s.lastVariant])) return s.lastVariant;
  for (size_t k = 0; k < s.variants.size(); ++k)
    if (same(s.variants[k])) return s.lastVariant = k;
  Variant v;
  for (auto* t : in) {
    v.dims.push_back(t->shape);
    v.readBytes += static_cast<double>(t->bytes());
    v.shapes += (v.shapes.empty() ? "" : ", ") + shapeText(*t);
  }
  v.shapes += " ->";
  for (size_t i = 0; i < out.size(); ++i) {
    v.dims.push_back(out[i]->shape);
    v.writtenBytes += static_cast<double>(out[i]->bytes());
    v.shapes += (i ? ", " : " ") + shapeText(*out[i]);
  }
  v.flops = flopsOf(g, n);
  s.variants.push_back(std::move(v));
  return s.lastVariant = s.variants.size() - 1;
}

void Profiler::record(const Graph& g, NodeId node, const std::vector<const Tensor*>& inputs,
                      const std::vector<Tensor*>& outputs, Clock::time_point start,
                      Clock::time_point end) {
  const size_t si = slotFor(g, node);
  Slot& s = slots_[si];
  const size_t vi = variantFor(s, g, g.nodes[node], inputs, outputs);
  const Variant& v = s.variants[vi];
  const int64_t t0 = sinceOrigin(start), dur = sinceOrigin(end) - t0;
  ++s.calls;
  s.ns += dur;
  s.readBytes += v.readBytes;
  s.writtenBytes += v.writtenBytes;
  s.flops += v.flops;
  if (tracing_) events_.push_back({static_cast<uint32_t>(si), static_cast<uint32_t>(vi), t0, dur});
}

double Profiler::kernelMs() const {
  int64_t ns = 0;
  for (auto& s : slots_)
    ns += s.ns;
  return ns * 1e-6;
}

std::vector<ProfileRow> Profiler::rows(const SourceManager& sm) const {
  std::vector<ProfileRow> r;
  const double runs = std::max<int64_t>(runs_, 1);
  for (auto& s : slots_) {
    ProfileRow row;
    row.node = s.node;
    row.op = opName(s.op);
    row.name = s.name;
    row.location = sm.format(s.spans.empty() ? SourceSpan{} : s.spans[0]);
    row.calls = s.calls;
    row.totalMs = s.ns * 1e-6;
    row.meanMs = s.calls ? row.totalMs / s.calls : 0;
    row.readBytes = s.readBytes / runs;
    row.writtenBytes = s.writtenBytes / runs;
    row.flops = s.flops;
    if (!s.variants.empty()) row.shapes = s.variants[s.lastVariant].shapes;
    r.push_back(std::move(row));
  }
  std::stable_sort(r.begin(), r.end(), [](const ProfileRow& a, const ProfileRow& b) {
    return a.totalMs != b.totalMs ? a.totalMs > b.totalMs : a.node < b.node;
  });
  return r;
}

std::vector<ProfileOpSummary> Profiler::byOpKind() const {
  std::map<std::string, ProfileOpSummary> m;
  for (auto& s : slots_) {
    ProfileOpSummary& o = m[opName(s.op)];
    o.op = opName(s.op);
    ++o.nodes;
    o.calls += s.calls;
    o.totalMs += s.ns * 1e-6;
  }
  std::vector<ProfileOpSummary> r;
  for (auto& [k, v] : m)
    r.push_back(v);
  std::stable_sort(r.begin(), r.end(), [](auto& a, auto& b) { return a.totalMs > b.totalMs; });
  return r;
}

std::string Profiler::report(const SourceManager& sm, size_t top) const {
  const auto rs = rows(sm);
  const double kernel = kernelMs();
  const double pctBase = kernel > 0 ? kernel : 1;
  size_t opW = 2, nameW = 4;
  const size_t shown = std::min(top, rs.size());
  for (size_t i = 0; i < shown; ++i) {
    opW = std::max(opW, rs[i].op.size());
    nameW = std::max(nameW, std::min<size_t>(rs[i].name.size(), 24));
  }
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "profile: %lld run%s, %zu nodes; %.3f ms in kernels of %.3f ms wall (%.1f%%)\n",
                static_cast<long long>(runs_), runs_ == 1 ? "" : "s", rs.size(), kernel, wallMs(),
                wallMs() > 0 ? 100.0 * kernel / wallMs() : 0.0);
  out += buf;
  auto line = [&](const char* rank, const char* pct, const std::string& total,
                  const std::string& mean, const std::string& calls, const std::string& read,
                  const std::string& written, const std::string& gflops, const std::string& op,
                  const std::string& name, const std::string& loc) {
    std::snprintf(buf, sizeof buf, "%4s %6s %10s %9s %6s %10s %10s %8s  %-*s  %-*s  %s\n", rank,
                  pct, total.c_str(), mean.c_str(), calls.c_str(), read.c_str(), written.c_str(),
                  gflops.c_str(), static_cast<int>(opW), op.c_str(), static_cast<int>(nameW),
                  name.c_str(), loc.c_str());
    std::string l = buf;
    while (l.size() > 1 && l[l.size() - 2] == ' ')
      l.erase(l.size() - 2, 1); // trailing blanks
    out += l;
  };
  auto num = [](const char* fmt, double v) {
    char b[32];
    std::snprintf(b, sizeof b, fmt, v);
    return std::string(b);
  };
  line("#", "%", "total ms", "mean ms", "calls", "read/run", "write/run", "GFLOP/s", "op", "name",
       "location");
  double read = 0, written = 0;
  int64_t calls = 0;
  for (auto& r : rs) {
    read += r.readBytes;
    written += r.writtenBytes;
    calls += r.calls;
  }
  for (size_t i = 0; i < shown; ++i) {
    const ProfileRow& r = rs[i];
    std::string name = r.name.size() > 24 ? r.name.substr(0, 23) + "~" : r.name;
    line(std::to_string(i + 1).c_str(), num("%.1f", 100.0 * r.totalMs / pctBase).c_str(),
         num("%.3f", r.totalMs), num("%.4f", r.meanMs), std::to_string(r.calls),
         formatBytes(r.readBytes), formatBytes(r.writtenBytes),
         r.flops > 0 && r.totalMs > 0 ? num("%.2f", r.flops / (r.totalMs * 1e6)) : "", r.op, name,
         r.location);
  }
  if (shown < rs.size()) {
    std::snprintf(buf, sizeof buf, "     ... %zu more nodes (--profile-top N shows more)\n",
                  rs.size() - shown);
    out += buf;
  }
  line("", "100.0", num("%.3f", kernel), "", std::to_string(calls), formatBytes(read),
       formatBytes(written), "", "TOTAL", "", "");
  out += "\nby op kind:\n";
  size_t kindW = 7;
  const auto kinds = byOpKind();
  for (auto& k : kinds)
    kindW = std::max(kindW, k.op.size());
  std::snprintf(buf, sizeof buf, "  %-*s %6s %6s %7s %10s\n", static_cast<int>(kindW), "op kind",
                "nodes", "calls", "%", "total ms");
  out += buf;
  for (auto& k : kinds) {
    std::snprintf(buf, sizeof buf, "  %-*s %6lld %6lld %7.1f %10.3f\n", static_cast<int>(kindW),
                  k.op.c_str(), static_cast<long long>(k.nodes), static_cast<long long>(k.calls),
                  100.0 * k.totalMs / pctBase, k.totalMs);
    out += buf;
  }
  return out;
}

json Profiler::chromeTrace(const SourceManager& sm) const {
  json events = json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", 0},
                    {"args", {{"name", "llie"}}}});
  events.push_back(
      {{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "runs"}}}});
  events.push_back({{"name", "thread_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", 1},
                    {"args", {{"name", "kernels"}}}});
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  for (size_t k = 0; k < runSpans_.size(); ++k)
    events.push_back({{"name", "run " + std::to_string(k)},
                      {"cat", "run"},
                      {"ph", "X"},
                      {"ts", us(runSpans_[k].first)},
                      {"dur", us(runSpans_[k].second)},
                      {"pid", 1},
                      {"tid", 0}});
  std::vector<std::string> locations;
  for (auto& s : slots_)
    locations.push_back(sm.format(s.spans.empty() ? SourceSpan{} : s.spans[0]));
  for (const Event& e : events_) {
    const Slot& s = slots_[e.slot];
    const Variant& v = s.variants[e.variant];
    json args = {{"node", s.node},
                 {"location", locations[e.slot]},
                 {"shapes", v.shapes},
                 {"bytes_read", static_cast<uint64_t>(v.readBytes)},
                 {"bytes_written", static_cast<uint64_t>(v.writtenBytes)}};
    if (!s.name.empty()) args["name"] = s.name;
    if (s.spans.size() > 1) {
      json all = json::array();
      for (auto& sp : s.spans)
        all.push_back(sm.format(sp));
      args["locations"] = all;
    }
    if (v.flops > 0) args["flops"] = v.flops;
    events.push_back({{"name", opName(s.op)},
                      {"cat", "node"},
                      {"ph", "X"},
                      {"ts", us(e.startNs)},
                      {"dur", us(e.durNs)},
                      {"pid", 1},
                      {"tid", 1},
                      {"args", std::move(args)}});
  }
  return {{"traceEvents", std::move(events)},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"runs", runs_}, {"traced_runs", tracedRuns_}}}};
}

Status Profiler::writeChromeTrace(const std::string& path, const SourceManager& sm) const {
  const std::string text = chromeTrace(sm).dump();
  return writeFileAtomic(path, text.data(), text.size());
}

} // namespace llie
