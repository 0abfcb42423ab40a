// Textual IR printer (see printer.h).
#include "compiler/ir/printer.h"
#include "compiler/ir/attr_visit.h"

#include <sstream>

namespace llie {

std::string typeToString(const TensorType& t, const SymbolTable& syms) {
  return std::string(dtypeName(t.dtype)) + shapeToString(t.shape, syms);
}

std::string printGraph(const Graph& g, const SourceManager* sm) {
  std::ostringstream os;
  os << "graph " << g.entry << " (" << (g.kind == GraphKind::Training ? "training" : "inference")
     << ")\n";
  if (!g.symbols.names.empty()) {
    os << "  symbols:";
    for (size_t i = 0; i < g.symbols.names.size(); ++i) {
      os << (i ? ", " : " ") << g.symbols.names[i];
      if (g.symbols.divisors[i] > 1) os << " % " << g.symbols.divisors[i] << " == 0";
    }
    os << "\n";
  }
  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    os << "  ";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      os << (i ? ", " : "") << "%" << n.outputs[i];
    os << " = " << opName(n.op);
    if (!n.inputs.empty()) {
      os << "(";
      for (size_t i = 0; i < n.inputs.size(); ++i)
        os << (i ? ", " : "") << "%" << n.inputs[i];
      os << ")";
    }
    std::string attrs = formatAttrs(n.attrs, g.symbols);
    if (!attrs.empty()) os << " " << attrs;
    os << " :";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      os << (i ? "," : "") << " " << typeToString(g.type(n.outputs[i]), g.symbols);
    const std::string& vname = g.value(n.outputs[0]).name;
    bool comment = !vname.empty() || (sm && n.span().valid());
    if (comment) {
      os << "  #";
      if (!vname.empty()) os << " " << vname;
      if (sm)
        for (size_t k = 0; k < n.spans.size(); ++k)
          os << (k ? " < " : " ") << sm->format(n.spans[k]);
    }
    os << "\n";
  }
  for (auto& o : g.outputs)
    os << "  output " << o.name << " = %" << o.value << "\n";
  return os.str();
}

} // namespace llie
