// Symbol binding and constant shape propagation (see specialize.h).
#include "compiler/passes/specialize.h"
#include "compiler/ir/printer.h"
#include "compiler/ops/shape_rules.h"

namespace llie {

namespace {
struct DimEvaluator {
  const std::vector<int64_t>& vals;
  void operator()(const char*, Dim& d) { d = Dim::constant(d.eval(vals)); }
  void operator()(const char*, std::vector<Dim>& v) {
    for (auto& d : v)
      d = Dim::constant(d.eval(vals));
  }
  template <class T> void operator()(const char*, T&) {}
};
} // namespace

std::vector<int64_t> inputDivisors(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.op == OpKind::Input && attrsOf<InputAttrs>(n).name == name) {
      std::vector<int64_t> r;
      for (auto& d : g.type(n.outputs[0]).shape) {
        if (d.isConst() || d.num != 1 || d.den != 1)
          r.push_back(1);
        else
          r.push_back(g.symbols.divisors[d.sym]);
      }
      return r;
    }
  return {};
}

Expected<Graph> specializeGraph(const Graph& g, const InputShapes& inputs) {
  std::vector<int64_t> vals(g.symbols.names.size(), -1);
  for (const Node& n : g.nodes) {
    if (n.dead || n.op != OpKind::Input) continue;
    const std::string& name = attrsOf<InputAttrs>(n).name;
    auto it = inputs.find(name);
    const Shape& decl = g.type(n.outputs[0]).shape;
    if (it == inputs.end()) {
      if (shapeIsConst(decl)) continue;
      return Status::error("no shape given for input '" + name + "'", n.span());
    }
    const auto& s = it->second;
    std::string want = shapeToString(decl, g.symbols);
    if (s.size() != decl.size())
      return Status::error("input '" + name + "' has rank " + std::to_string(s.size()) +
                               ", the model expects " + want,
                           n.span());
    for (size_t i = 0; i < s.size(); ++i) {
      const Dim& d = decl[i];
      if (d.isConst()) {
        if (d.off != s[i])
          return Status::error("input '" + name + "' has size " + std::to_string(s[i]) +
                                   " in dimension " + std::to_string(i) + ", the model expects " +
                                   want,
                               n.span());
        continue;
      }
      if (vals[d.sym] >= 0 && vals[d.sym] != s[i])
        return Status::error("inputs disagree on " + g.symbols.names[d.sym] + ": " +
                                 std::to_string(vals[d.sym]) + " vs " + std::to_string(s[i]),
                             n.span());
      vals[d.sym] = s[i];
    }
  }
  for (size_t i = 0; i < vals.size(); ++i) {
    if (vals[i] < 0)
      return Status::error("symbol " + g.symbols.names[i] + " is not bound by any input");
    int64_t div = g.symbols.divisors[i];
    if (vals[i] <= 0 || vals[i] % div != 0) {
      Status st = Status::error(g.symbols.names[i] + " = " + std::to_string(vals[i]) +
                                " is not a multiple of " + std::to_string(div));
      for (auto& c : g.constraints)
        if (c.symbol == static_cast<int32_t>(i)) st.diagnostics()[0].span = c.span;
      st.hint("llie-run enhance pads images to a multiple of " + std::to_string(div) +
              " automatically");
      return st;
    }
  }
  Graph out = g;
  SymbolTable none;
  for (Node& n : out.nodes) {
    if (n.dead) continue;
    std::visit([&](auto& a) { a.fields(DimEvaluator{vals}); }, n.attrs);
    std::vector<TensorType> ins, declared;
    for (ValueId v : n.inputs)
      ins.push_back(out.type(v));
    for (ValueId v : n.outputs) {
      TensorType t = out.type(v);
      for (auto& d : t.shape)
        d = Dim::constant(d.eval(vals));
      declared.push_back(t);
    }
    auto types = inferTypes(n.op, n.attrs, ins, none, declared);
    if (!types) return Status::error(types.status().message(), n.span());
    for (size_t k = 0; k < n.outputs.size(); ++k)
      out.value(n.outputs[k]).type = (*types)[k];
  }
  return out;
}

} // namespace llie
