// rematerialize (see rematerialize.h): positions of the readers decide which reads are late and
// whether the inputs stay alive; a clone is appended per recomputed value and the topological
// re-sort puts it right before its first reader.
#include "compiler/passes/rematerialize.h"
#include "compiler/passes/graph_rewrite.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace llie {
namespace {

/// Nodes the output "loss" depends on (the forward pass), or empty when there is none.
std::vector<bool> forwardNodes(const Graph& g) {
  std::vector<bool> fwd(g.nodes.size(), false);
  auto it = std::find_if(g.outputs.begin(), g.outputs.end(),
                         [](const GraphOutput& o) { return o.name == "loss"; });
  if (it == g.outputs.end()) return fwd;
  std::vector<NodeId> stack{g.value(it->value).producer};
  while (!stack.empty()) {
    NodeId i = stack.back();
    stack.pop_back();
    if (fwd[i]) continue;
    fwd[i] = true;
    for (ValueId v : g.nodes[i].inputs)
      stack.push_back(g.value(v).producer);
  }
  return fwd;
}

/// The value of `n` worth recomputing and the inputs the recomputation reads, or false.
bool recomputable(const Graph& g, const Node& n, ValueId& out, std::vector<ValueId>& reads) {
  if (n.dead) return false;
  const OpInfo& info = opInfo(n.op);
  if (n.op == OpKind::BatchNormTrain) {
    out = n.outputs[0];
    reads = {n.inputs[0], n.inputs[1], n.inputs[2], n.outputs[1], n.outputs[2]};
    return true;
  }
  if (info.category != OpCategory::Elementwise || (info.flags & kSideEffect) ||
      n.outputs.size() != 1)
    return false;
  out = n.outputs[0];
  reads = n.inputs;
  return !isGraphOutput(g, out);
}

/// The pass's state: readers per value (data reads only) and each node's position, a clone
/// standing where its first reader stands.
class Rematerializer {
public:
  explicit Rematerializer(Graph& g) : g_(g), original_(g.nodes.size()), fwd_(forwardNodes(g)) {
    readers_.resize(g.values.size());
    for (size_t i = 0; i < original_; ++i) {
      pos_.push_back(static_cast<int64_t>(i));
      if (g.nodes[i].dead) continue;
      // Reads of an input that lends only its shape need no data and are left alone.
      for (size_t k = 0; k < g.nodes[i].inputs.size(); ++k)
        if (!inputIsShapeOnly(g.nodes[i].op, k))
          readers_[g.nodes[i].inputs[k]].push_back(static_cast<NodeId>(i));
    }
  }

  int run() {
    int count = 0;
    std::vector<ValueId> reads;
    for (size_t i = original_; i-- > 0;) {
      ValueId out = kNoValue;
      if (!fwd_[i] || !recomputable(g_, g_.nodes[i], out, reads)) continue;
      std::vector<NodeId> late;
      int64_t first = std::numeric_limits<int64_t>::max();
      for (NodeId r : readers_[out])
        if (static_cast<size_t>(r) >= original_ || !fwd_[r])
          late.push_back(r), first = std::min(first, pos_[r]);
      if (late.empty() || !std::all_of(reads.begin(), reads.end(),
                                       [&](ValueId v) { return available(v, first, kDepth); }))
        continue;
      const ValueId copy = recompute(out, first);
      for (NodeId r : late) {
        Node& reader = g_.nodes[r];
        for (size_t k = 0; k < reader.inputs.size(); ++k)
          if (reader.inputs[k] == out && !inputIsShapeOnly(reader.op, k)) reader.inputs[k] = copy;
        readers_[copy].push_back(r);
      }
      std::erase_if(readers_[out],
                    [&](NodeId r) { return std::count(late.begin(), late.end(), r) > 0; });
      ++count;
    }
    return count;
  }

private:
  /// How many producers deep a recomputation may reach for inputs that are no longer alive.
  static constexpr int kDepth = 3;

  bool isSource(ValueId v) const {
    return opInfo(g_.producer(v).op).category == OpCategory::Source;
  }
  /// Whether v's bytes are kept until position p anyway (a data reader at or after it).
  bool alive(ValueId v, int64_t p) const {
    return isSource(v) || std::any_of(readers_[v].begin(), readers_[v].end(),
                                      [&](NodeId r) { return pos_[r] >= p; });
  }
  /// Whether v can be had at p: alive, or recomputable from what can (a chain such as
  /// batchnorm -> relu6 whose middle value died in the forward pass).
  bool available(ValueId v, int64_t p, int depth) const {
    if (alive(v, p) || memo_.count(v)) return true;
    ValueId out = kNoValue;
    std::vector<ValueId> reads;
    if (depth == 0 || !fwd_[g_.value(v).producer] ||
        !recomputable(g_, g_.producer(v), out, reads) || out != v)
      return false;
    return std::all_of(reads.begin(), reads.end(),
                       [&](ValueId u) { return available(u, p, depth - 1); });
  }
  /// The value to read at p in place of v: v when alive, else its recomputation (made once).
  ValueId at(ValueId v, int64_t p) {
    if (alive(v, p)) return v;
    if (auto it = memo_.find(v); it != memo_.end()) {
      NodeId c = g_.value(it->second).producer;
      pos_[c] = std::min(pos_[c], p);
      return it->second;
    }
    return memo_[v] = recompute(v, p);
  }
  /// A clone of v's producer at p reading what is available there (batchnorm_train's output as
  /// the inference batchnorm over the batch statistics).
  ValueId recompute(ValueId v, int64_t p) {
    ValueId out = kNoValue;
    std::vector<ValueId> reads;
    recomputable(g_, g_.producer(v), out, reads);
    for (ValueId& u : reads)
      u = at(u, p);
    const Node& n = g_.producer(v);
    const OpKind op = n.op == OpKind::BatchNormTrain ? OpKind::BatchNorm : n.op;
    const NodeId c = g_.addNode(op, n.attrs, reads, {g_.type(v)}, n.spans);
    const ValueId copy = g_.nodes[c].outputs[0];
    g_.value(copy).name = g_.value(v).name;
    pos_.push_back(p);
    readers_.resize(g_.values.size());
    for (ValueId u : reads)
      readers_[u].push_back(c);
    return copy;
  }

  Graph& g_;
  const size_t original_;
  const std::vector<bool> fwd_;
  std::vector<std::vector<NodeId>> readers_;
  std::vector<int64_t> pos_;
  std::unordered_map<ValueId, ValueId> memo_;
};

} // namespace

int rematerialize(Graph& g) {
  const std::vector<bool> fwd = forwardNodes(g);
  if (std::none_of(fwd.begin(), fwd.end(), [](bool b) { return b; })) return 0;
  int count = Rematerializer(g).run();
  if (count) restoreTopologicalOrder(g);
  return count;
}

} // namespace llie
