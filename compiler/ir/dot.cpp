// DOT export (see dot.h).
#include "compiler/ir/dot.h"
#include "compiler/ir/attr_visit.h"
#include "compiler/ir/printer.h"

#include <sstream>

namespace llie {

static std::string esc(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

std::string graphToDot(const Graph& g, const SourceManager* sm) {
  std::ostringstream os;
  os << "digraph \"" << esc(g.entry) << "\" {\n  rankdir=TB;\n"
     << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
        "fontname=\"Helvetica\", fontsize=10];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#5a6b80\"];\n";
  auto isWeight = [&](ValueId v) {
    OpKind k = g.producer(v).op;
    return k == OpKind::Param || k == OpKind::State || k == OpKind::Constant;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    if (n.op == OpKind::Param || n.op == OpKind::State || n.op == OpKind::Constant) continue;
    std::vector<std::string> lines{opName(n.op)};
    if (n.op == OpKind::Input) lines[0] += " " + attrsOf<InputAttrs>(n).name;
    lines.push_back(typeToString(g.type(n.outputs[0]), g.symbols));
    for (ValueId v : n.inputs)
      if (g.producer(v).op == OpKind::Param) {
        std::string p = attrsOf<ParamAttrs>(g.producer(v)).name;
        auto dot = p.rfind('.');
        lines.push_back(p.substr(0, dot == std::string::npos ? p.size() : dot));
        break;
      }
    if (sm && n.span().valid()) lines.push_back(sm->format(n.span()));
    std::string label;
    for (auto& l : lines)
      label += (label.empty() ? "" : "\\n") + esc(l);
    std::string color = n.op == OpKind::Input                           ? "#fde9c8"
                        : opInfo(n.op).category == OpCategory::ConvLike ? "#d7ecd9"
                                                                        : "#eef3fb";
    os << "  n" << i << " [label=\"" << label << "\", fillcolor=\"" << color << "\"];\n";
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op == OpKind::Param || n.op == OpKind::State || n.op == OpKind::Constant)
      continue;
    for (ValueId v : n.inputs) {
      if (isWeight(v)) continue;
      os << "  n" << g.value(v).producer << " -> n" << i << ";\n";
    }
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    os << "  out" << k << " [label=\"output " << esc(g.outputs[k].name)
       << "\", shape=oval, fillcolor=\"#fde9c8\"];\n";
    os << "  n" << g.value(g.outputs[k].value).producer << " -> out" << k << ";\n";
  }
  os << "}\n";
  return os.str();
}

} // namespace llie
