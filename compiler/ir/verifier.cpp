// Graph verifier (see verifier.h).
#include "compiler/ir/verifier.h"
#include "compiler/ir/printer.h"
#include "compiler/ops/shape_rules.h"

namespace llie {

Status verifyGraph(const Graph& g) {
  std::vector<bool> defined(g.values.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    const OpInfo& info = opInfo(n.op);
    std::string where = "node " + std::to_string(i) + " (" + info.name + ")";
    int nin = static_cast<int>(n.inputs.size());
    if (nin < info.minInputs || nin > info.maxInputs)
      return Status::error(where + ": wrong number of inputs", n.span());
    if (static_cast<int>(n.outputs.size()) != info.numOutputs)
      return Status::error(where + ": wrong number of outputs", n.span());
    if (n.attrs.index() != info.attrsIndex)
      return Status::error(where + ": wrong attribute struct", n.span());
    std::vector<TensorType> ins;
    for (ValueId v : n.inputs) {
      if (v < 0 || v >= static_cast<ValueId>(g.values.size()) || !defined[v])
        return Status::error(where + ": reads %" + std::to_string(v) + " before it is defined",
                             n.span());
      ins.push_back(g.type(v));
    }
    for (ValueId v : n.outputs) {
      if (g.value(v).producer != static_cast<NodeId>(i))
        return Status::error(where + ": output's producer link is broken", n.span());
      defined[v] = true;
    }
    std::vector<TensorType> declared;
    for (ValueId v : n.outputs)
      declared.push_back(g.type(v));
    auto types = inferTypes(n.op, n.attrs, ins, g.symbols, declared);
    if (!types) return Status::error(where + ": " + types.status().message(), n.span());
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (!((*types)[k] == g.type(n.outputs[k])))
        return Status::error(
            where + ": recorded type " + typeToString(g.type(n.outputs[k]), g.symbols) +
                " disagrees with the shape rule's " + typeToString((*types)[k], g.symbols),
            n.span());
  }
  // An assign overwrites its state in place, so nothing may read that state after it.
  std::vector<bool> written(g.values.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead) continue;
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (written[n.inputs[k]] && !(n.op == OpKind::Assign && k == 0))
        return Status::error("node " + std::to_string(i) + " (" + opName(n.op) +
                                 ") reads a state after an assign overwrote it",
                             n.span());
    if (n.op == OpKind::Assign) written[n.inputs[0]] = true;
  }
  for (auto& o : g.outputs)
    if (o.value < 0 || o.value >= static_cast<ValueId>(g.values.size()) || !defined[o.value])
      return Status::error("graph output '" + o.name + "' refers to an undefined value");
  return Status::ok();
}

} // namespace llie
