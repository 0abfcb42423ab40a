// Memory report text (see memory_report.h).
#include "compiler/passes/memory_report.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace llie {

std::string formatBytes(double b) {
  char buf[32];
  if (b >= 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024)
    std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1024.0 * 1024));
  else if (b >= 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

std::string valueLabel(const Graph& g, ValueId v) {
  const Value& val = g.value(v);
  if (!val.name.empty()) return val.name;
  const Node& n = g.nodes[val.producer];
  if (n.op == OpKind::Param || n.op == OpKind::State) return attrsOf<ParamAttrs>(n).name;
  if (n.op == OpKind::Input) return attrsOf<InputAttrs>(n).name;
  std::string s = std::string(opName(n.op)) + "#" + std::to_string(val.producer);
  if (n.outputs.size() > 1) s += "." + std::to_string(val.outIndex);
  return s;
}

MemorySummary summarizeMemory(const Graph& g, const MemoryRequests& r, const MemoryPlan& p) {
  MemorySummary s;
  s.lowerBound = p.lowerBound;
  s.arenaBytes = p.arenaBytes;
  s.naiveBytes = p.naiveBytes;
  s.steps = static_cast<int32_t>(g.nodes.size());
  for (size_t v = 0; v < r.buffers.size(); ++v) {
    if (r.aliasOf[v] != kNoValue) continue;
    size_t b = r.buffers[v].bytes;
    ++s.values;
    OpKind k = g.producer(static_cast<ValueId>(v)).op;
    if (k == OpKind::Input)
      s.inputBytes += b;
    else if (r.pinned[v])
      s.weightBytes += b;
    else
      s.activationBytes += b;
  }
  return s;
}

std::string formatMemoryReport(const Graph& g, const MemoryRequests& r, const MemoryPlan& p,
                               const SourceManager* sm, size_t topN) {
  MemorySummary s = summarizeMemory(g, r, p);
  std::string out;
  char line[512];
  auto ratio = [](size_t a, size_t b) { return b ? static_cast<double>(a) / b : 0.0; };
  std::snprintf(line, sizeof line, "memory plan of '%s': %zu values over %d steps\n",
                g.entry.c_str(), s.values, s.steps);
  out += line;
  out += "  lower bound     " + formatBytes(s.lowerBound) + "  (most bytes live at one step)\n";
  std::snprintf(line, sizeof line, "  planned arena   %s  (%.3f x lower bound)\n",
                formatBytes(s.arenaBytes).c_str(), ratio(s.arenaBytes, s.lowerBound));
  out += line;
  std::snprintf(line, sizeof line, "  naive sum       %s  (%.2f x arena)\n",
                formatBytes(s.naiveBytes).c_str(), ratio(s.naiveBytes, s.arenaBytes));
  out += line;
  out += "  inputs          " + formatBytes(s.inputBytes) + "\n";
  out += "  params+state    " + formatBytes(s.weightBytes) + "  (pinned, with constants)\n";
  out += "  activations     " + formatBytes(s.activationBytes) + "  (naive sum)\n";
  // The step where the most bytes are live, and what is live there.
  std::vector<int64_t> delta(static_cast<size_t>(s.steps) + 2, 0);
  for (size_t v = 0; v < r.buffers.size(); ++v) {
    const BufferRequest& b = r.buffers[v];
    if (r.aliasOf[v] != kNoValue || !b.bytes || r.pinned[v]) continue;
    delta[b.first] += static_cast<int64_t>(b.bytes);
    delta[b.last + 1] -= static_cast<int64_t>(b.bytes);
  }
  int32_t peak = 0;
  int64_t live = 0, most = -1;
  for (int32_t t = 0; t <= s.steps; ++t)
    if ((live += delta[t]) > most) most = live, peak = t;
  std::vector<ValueId> order;
  size_t liveBytes = 0;
  for (size_t v = 0; v < r.buffers.size(); ++v) {
    const BufferRequest& b = r.buffers[v];
    if (r.aliasOf[v] != kNoValue || !b.bytes || r.pinned[v] || b.first > peak || b.last < peak)
      continue;
    order.push_back(static_cast<ValueId>(v));
    liveBytes += b.bytes;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](ValueId a, ValueId b) { return r.buffers[a].bytes > r.buffers[b].bytes; });
  if (order.empty()) return out;
  std::string at = "after the last node";
  if (peak < s.steps) {
    const Node& pn = g.nodes[peak];
    at = std::string(opName(pn.op));
    if (sm && pn.span().valid()) at += " " + sm->format(pn.span());
  }
  std::snprintf(line, sizeof line,
                "live at the peak, step %d (%s): %zu activations, %s%s\n  %12s  %11s  %-28s %s\n",
                peak, at.c_str(), order.size(), formatBytes(liveBytes).c_str(),
                order.size() > topN ? ", the largest:" : "", "bytes", "steps", "value", "where");
  out += line;
  if (order.size() > topN) order.resize(topN);
  for (ValueId v : order) {
    const BufferRequest& b = r.buffers[v];
    const Node& n = g.producer(v);
    std::string where = std::string(opName(n.op));
    if (sm && n.span().valid()) where += "  " + sm->format(n.span());
    std::string steps =
        r.pinned[v] ? "pinned" : std::to_string(b.first) + "-" + std::to_string(b.last);
    std::snprintf(line, sizeof line, "  %12s  %11s  %-28s %s\n", formatBytes(b.bytes).c_str(),
                  steps.c_str(), valueLabel(g, v).c_str(), where.c_str());
    out += line;
  }
  return out;
}

} // namespace llie
