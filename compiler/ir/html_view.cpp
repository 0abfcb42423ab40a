// HTML view (see html_view.h).
#include "compiler/ir/html_view.h"
#include "compiler/ir/attr_visit.h"
#include "compiler/ir/printer.h"
#include "compiler/passes/memory_report.h"

#include <algorithm>
#include <sstream>

namespace llie {
namespace {

std::string esc(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
    case '&':
      r += "&amp;";
      break;
    case '<':
      r += "&lt;";
      break;
    case '>':
      r += "&gt;";
      break;
    case '"':
      r += "&quot;";
      break;
    default:
      r += c;
    }
  }
  return r;
}

/// The SVG element of Graphviz's output, without the XML prolog and DOCTYPE.
std::string svgElement(const std::string& svg) {
  auto at = svg.find("<svg");
  return at == std::string::npos ? std::string() : svg.substr(at);
}

const char* kStyle = R"(
body{font-family:Helvetica,Arial,sans-serif;margin:1em;color:#1d2633}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
#graph{overflow:auto;max-height:80vh;border:1px solid #ccd5e0}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ccd5e0;padding:2px 6px;vertical-align:top;text-align:left}
tr.sel td{background:#ffe8a8}
g.node.sel polygon,g.node.sel path{stroke:#d9480f;stroke-width:3}
code{white-space:pre}
#timeline{overflow:auto;border:1px solid #ccd5e0}
#timeline rect:hover{stroke:#000;stroke-width:1}
)";

const char* kScript = R"(
(function(){
  var rows = {}, linked = 0;
  document.querySelectorAll('tr[data-node]').forEach(function(r){ rows[r.dataset.node] = r; });
  function select(id){
    document.querySelectorAll('.sel').forEach(function(e){ e.classList.remove('sel'); });
    var r = rows[id]; if (r) { r.classList.add('sel'); }
    var g = document.querySelector('g.node[data-node="' + id + '"]'); if (g) g.classList.add('sel');
  }
  document.querySelectorAll('#graph g.node').forEach(function(g){
    var t = g.querySelector('title'); if (!t) return;
    var id = t.textContent.trim(); if (!rows[id]) return;
    g.setAttribute('data-node', id); g.style.cursor = 'pointer'; ++linked;
    g.addEventListener('click', function(){ select(id); rows[id].scrollIntoView({block:'nearest'}); });
  });
  Object.keys(rows).forEach(function(id){
    rows[id].addEventListener('click', function(){ select(id); });
  });
  document.body.dataset.linked = String(linked);
  document.body.dataset.ready = '1';
})();
)";

std::string spanText(const Graph& g, const Node& n, const SourceManager* sm) {
  (void)g;
  std::string out;
  for (const SourceSpan& s : n.spans) {
    if (!sm || !s.valid()) continue;
    if (!out.empty()) out += "<br>";
    out += esc(sm->format(s)) + " <code>" + esc(sm->lineText(s.file, s.line)) + "</code>";
  }
  return out;
}

std::string shapes(const Graph& g, const std::vector<ValueId>& vs) {
  std::string out;
  for (ValueId v : vs)
    out += (out.empty() ? "" : "<br>") + esc(typeToString(g.type(v), g.symbols));
  return out;
}

/// The layout of the node's data: its outputs', after its first input's when that differs.
std::string layoutCell(const Graph& g, const Node& n, const std::vector<std::string>& layouts) {
  auto of = [&](ValueId v) {
    const size_t i = static_cast<size_t>(v);
    return i < layouts.size() && !layouts[i].empty() ? layouts[i] : std::string("plain");
  };
  std::string out;
  for (ValueId v : n.outputs)
    out += (out.empty() ? "" : "<br>") + esc(of(v));
  if (!n.inputs.empty() && g.type(n.inputs[0]).shape.size() == 4 && !n.outputs.empty() &&
      of(n.inputs[0]) != of(n.outputs[0]))
    out = esc(of(n.inputs[0])) + " &rarr; " + out;
  return out.empty() ? "plain" : out;
}

void nodeTable(std::ostringstream& os, const Graph& g, const SourceManager* sm,
               const std::vector<std::string>& layouts) {
  os << "<h2>Nodes</h2>\n<table id=\"nodes\"><tr><th>id</th><th>op</th><th>attributes</th>"
        "<th>inputs</th><th>outputs</th><th>layout</th><th>.llie (fused members)</th></tr>\n";
  for (NodeId i : drawnNodes(g)) {
    const Node& n = g.nodes[i];
    std::string op = opName(n.op);
    if (n.op == OpKind::Input) op += " " + attrsOf<InputAttrs>(n).name;
    os << "<tr id=\"row-n" << i << "\" data-node=\"n" << i << "\"><td>n" << i << "</td><td>"
       << esc(op) << "</td><td>" << esc(formatAttrs(n.attrs, g.symbols)) << "</td><td>"
       << shapes(g, n.inputs) << "</td><td>" << shapes(g, n.outputs) << "</td><td>"
       << layoutCell(g, n, layouts) << "</td><td>" << spanText(g, n, sm) << "</td></tr>\n";
  }
  os << "</table>\n";
}

/// x = step, y = arena offset; one rectangle per value with bytes of its own.
void timeline(std::ostringstream& os, const Graph& g, const HtmlMemory& m) {
  const MemoryRequests& r = *m.requests;
  const MemoryPlan& p = *m.plan;
  const double steps = std::max<double>(1, g.nodes.size() + 1);
  const double width = 1200, height = 480, left = 60;
  const double arena = std::max<double>(1, p.arenaBytes);
  os << "<h2>Memory timeline (input " << esc(m.inputShape) << ")</h2>\n<p>lower bound "
     << esc(formatBytes(p.lowerBound)) << ", planned arena " << esc(formatBytes(p.arenaBytes))
     << ", naive sum " << esc(formatBytes(p.naiveBytes))
     << ". x: step (node index), y: arena offset; hover a block for its value.</p>\n"
     << "<div id=\"timeline\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
     << width + left + 10 << "\" height=\"" << height + 30 << "\">\n"
     << "<text x=\"0\" y=\"12\" font-size=\"10\">" << esc(formatBytes(p.arenaBytes)) << "</text>"
     << "<text x=\"0\" y=\"" << height << "\" font-size=\"10\">0</text>"
     << "<text x=\"" << left << "\" y=\"" << height + 20 << "\" font-size=\"10\">step 0</text>"
     << "<text x=\"" << left + width - 60 << "\" y=\"" << height + 20 << "\" font-size=\"10\">step "
     << g.nodes.size() << "</text>\n";
  for (size_t v = 0; v < r.buffers.size(); ++v) {
    const BufferRequest& b = r.buffers[v];
    if (r.aliasOf[v] != kNoValue || b.bytes == 0) continue;
    double x = left + width * b.first / steps;
    double w = std::max(1.0, width * (b.last - b.first + 1) / steps);
    double h = std::max(0.5, height * b.bytes / arena);
    double y = height - height * p.offsets[v] / arena - h;
    const char* fill = r.pinned[v] ? "#9db4d3" : "#f0a35e";
    ValueId id = static_cast<ValueId>(v);
    os << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
       << "\" fill=\"" << fill << "\" stroke=\"#fff\" stroke-width=\"0.3\" data-node=\"n"
       << g.value(id).producer << "\"><title>" << esc(valueLabel(g, id)) << " ("
       << opName(g.producer(id).op) << "): " << esc(formatBytes(b.bytes)) << ", steps " << b.first
       << "-" << b.last << ", offset " << p.offsets[v] << "</title></rect>\n";
  }
  os << "</svg></div>\n";
}

} // namespace

std::vector<NodeId> drawnNodes(const Graph& g) {
  std::vector<NodeId> r;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op == OpKind::Param || n.op == OpKind::State || n.op == OpKind::Constant)
      continue;
    r.push_back(static_cast<NodeId>(i));
  }
  return r;
}

std::string htmlView(const Graph& g, const SourceManager* sm, const std::string& graphSvg,
                     const HtmlMemory* memory, const std::vector<std::string>& layouts) {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << esc(g.entry)
     << " - llie</title><style>" << kStyle << "</style></head>\n<body>\n<h1>" << esc(g.entry)
     << " (" << (g.kind == GraphKind::Training ? "training step" : "inference") << ", "
     << drawnNodes(g).size() << " nodes drawn)</h1>\n<h2>Graph</h2>\n<div id=\"graph\">"
     << svgElement(graphSvg) << "</div>\n";
  nodeTable(os, g, sm, layouts);
  if (memory && memory->requests && memory->plan) timeline(os, g, *memory);
  os << "<script>" << kScript << "</script>\n</body></html>\n";
  return os.str();
}

} // namespace llie
