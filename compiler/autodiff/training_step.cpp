// buildTrainingStep (see training_step.h): training mode, total loss, backward, optimizer, and
// the assigns moved to the end so that every read of a parameter or a running statistic
// happens before it is overwritten.
#include "compiler/autodiff/training_step.h"
#include "compiler/autodiff/backward.h"
#include "compiler/autodiff/optimizer_update.h"
#include "compiler/autodiff/training_mode.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/dead_code_elim.h"

#include <algorithm>

namespace llie {

namespace {

bool frozen(const TrainConfig& c, const std::string& name) {
  for (auto& prefix : c.freeze)
    if (name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

// Moves every assign after all other nodes (their outputs are never read, so order stays
// topological) and renumbers producers.
void sinkAssigns(Graph& g) {
  std::stable_partition(g.nodes.begin(), g.nodes.end(),
                        [](const Node& n) { return n.op != OpKind::Assign; });
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId v : g.nodes[i].outputs) g.value(v).producer = static_cast<NodeId>(i);
}

} // namespace

Expected<Graph> buildTrainingStep(const Graph& elaborated, const TrainingStepOptions& opt) {
  Graph g = elaborated;
  g.kind = GraphKind::Training;
  LLIE_ASSIGN_OR_RETURN([[maybe_unused]] int rewritten, toTrainingMode(g));

  // The total loss: the sum of the terms, in declaration order.
  ValueId total = kNoValue;
  for (auto& o : elaborated.outputs) {
    if (o.name.rfind("loss.", 0) != 0) continue;
    total = total == kNoValue ? o.value
                              : g.add(OpKind::Add, NoAttrs{}, {total, o.value},
                                      {DType::F32, {}}, g.producer(o.value).span());
  }
  if (total == kNoValue) return Status::error("the train entry '" + g.entry + "' has no loss");
  std::vector<GraphOutput> outs = {{"loss", total}};
  for (auto& o : elaborated.outputs)
    if (o.name.rfind("loss.", 0) == 0) outs.push_back(o);
  g.outputs = outs;

  std::vector<NodeId> params;
  std::vector<ValueId> wrt;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op != OpKind::Param || frozen(g.train, attrsOf<ParamAttrs>(n).name)) continue;
    params.push_back(static_cast<NodeId>(i));
    wrt.push_back(n.outputs[0]);
  }
  LLIE_ASSIGN_OR_RETURN(auto grads, appendBackward(g, total, wrt));
  std::vector<ParamGrad> pgs;
  for (size_t i = 0; i < params.size(); ++i) {
    if (grads[i] == kNoValue) continue; // the loss does not depend on it
    pgs.push_back({params[i], grads[i]});
    if (opt.exposeGradients)
      g.outputs.push_back({"grad." + attrsOf<ParamAttrs>(g.nodes[params[i]]).name, grads[i]});
  }
  if (opt.applyOptimizer) LLIE_RETURN_IF_ERROR(appendOptimizer(g, pgs, g.train));
  sinkAssigns(g);
  eliminateDeadCode(g);
  LLIE_RETURN_IF_ERROR(verifyGraph(g));
  return g;
}

} // namespace llie
