// The backward pass (see loss_gradients.h): total loss, appendBackward, gradient outputs.
#include "compiler/autodiff/loss_gradients.h"
#include "compiler/autodiff/backward.h"
#include "compiler/autodiff/training_mode.h"

namespace llie {

namespace {

bool frozen(const TrainConfig& c, const std::string& name) {
  for (auto& prefix : c.freeze)
    if (name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

bool isLossTerm(const GraphOutput& o) {
  return o.name.rfind("loss.", 0) == 0;
}

} // namespace

Expected<int> appendLossGradients(Graph& g) {
  // The total loss: the sum of the terms, in declaration order.
  ValueId total = kNoValue;
  std::vector<GraphOutput> terms;
  for (const GraphOutput& o : g.outputs) {
    if (!isLossTerm(o)) continue;
    terms.push_back(o);
    total = total == kNoValue ? o.value
                              : g.add(OpKind::Add, NoAttrs{}, {total, o.value}, {DType::F32, {}},
                                      g.producer(o.value).span());
  }
  if (total == kNoValue) return Status::error("the train entry '" + g.entry + "' has no loss");
  g.outputs = {{"loss", total}};
  g.outputs.insert(g.outputs.end(), terms.begin(), terms.end());

  std::vector<NodeId> params;
  std::vector<ValueId> wrt;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op != OpKind::Param || frozen(g.train, attrsOf<ParamAttrs>(n).name)) continue;
    params.push_back(static_cast<NodeId>(i));
    wrt.push_back(n.outputs[0]);
  }
  LLIE_ASSIGN_OR_RETURN(auto grads, appendBackward(g, total, wrt));
  int count = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    if (grads[i] == kNoValue) continue; // the loss does not depend on it
    g.outputs.push_back(
        {kGradOutputPrefix + attrsOf<ParamAttrs>(g.nodes[params[i]]).name, grads[i]});
    ++count;
  }
  moveAssignsLast(g);
  return count;
}

} // namespace llie
