// JSON form of the graph IR (see serialize.h). Layout:
// {"entry", "kind", "symbols": [{"name","divisor"}], "files": [paths],
//  "nodes": [{"op","attrs","in":[ids],"out":[{"dtype","shape","name"}],"spans":[[f,l,c,len]]}],
//  "outputs": [{"name","value"}],
//  "train": {"optimizer": {"kind", "lr", ...}, "schedule": {"kind", ...}, "clip_grad_norm",
//            "batch", "crop", "steps", "epochs", "eval_every", "checkpoint_every", "freeze"}}
// ("train" only for training graphs; every field is written, and a plan without it reads as
// the defaults).
#include "compiler/ir/serialize.h"
#include "compiler/ir/attr_visit.h"
#include "compiler/ops/shape_rules.h"

#include <fstream>
#include <sstream>

namespace llie {

using json = nlohmann::json;

namespace {

const char* const kOptimizerNames[] = {"sgd", "adam", "adamw"};
const char* const kScheduleNames[] = {"constant", "step", "multistep", "cosine"};

json trainConfigToJson(const TrainConfig& c) {
  const OptimizerConfig& o = c.optimizer;
  const ScheduleConfig& s = c.schedule;
  json j;
  j["optimizer"] = {{"kind", kOptimizerNames[static_cast<size_t>(o.kind)]},
                    {"lr", o.lr},
                    {"weight_decay", o.weightDecay},
                    {"momentum", o.momentum},
                    {"dampening", o.dampening},
                    {"nesterov", o.nesterov},
                    {"beta1", o.beta1},
                    {"beta2", o.beta2},
                    {"eps", o.eps}};
  j["schedule"] = {{"kind", kScheduleNames[static_cast<size_t>(s.kind)]},
                   {"step_size", s.stepSize},
                   {"milestones", s.milestones},
                   {"gamma", s.gamma},
                   {"t_max", s.tMax},
                   {"eta_min", s.etaMin},
                   {"warmup_steps", s.warmupSteps},
                   {"warmup_start_factor", s.warmupStartFactor}};
  j["clip_grad_norm"] = c.clipGradNorm;
  j["batch"] = c.batch;
  j["crop"] = c.crop;
  j["steps"] = c.steps;
  j["epochs"] = c.epochs;
  j["eval_every"] = c.evalEvery;
  j["checkpoint_every"] = c.checkpointEvery;
  j["freeze"] = c.freeze;
  return j;
}

template <class E, size_t N>
Expected<E> enumFromJson(const json& j, const char* const (&names)[N], const char* what) {
  std::string s = j.get<std::string>();
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return Status::error(std::string("plan: unknown ") + what + " '" + s + "'");
}

Expected<TrainConfig> trainConfigFromJson(const json& j) {
  TrainConfig c;
  const json& o = j.at("optimizer");
  LLIE_ASSIGN_OR_RETURN(c.optimizer.kind,
                        enumFromJson<OptimizerKind>(o.at("kind"), kOptimizerNames, "optimizer"));
  c.optimizer.lr = o.at("lr").get<double>();
  c.optimizer.weightDecay = o.at("weight_decay").get<double>();
  c.optimizer.momentum = o.at("momentum").get<double>();
  c.optimizer.dampening = o.at("dampening").get<double>();
  c.optimizer.nesterov = o.at("nesterov").get<bool>();
  c.optimizer.beta1 = o.at("beta1").get<double>();
  c.optimizer.beta2 = o.at("beta2").get<double>();
  c.optimizer.eps = o.at("eps").get<double>();
  const json& s = j.at("schedule");
  LLIE_ASSIGN_OR_RETURN(c.schedule.kind,
                        enumFromJson<ScheduleKind>(s.at("kind"), kScheduleNames, "schedule"));
  c.schedule.stepSize = s.at("step_size").get<int64_t>();
  c.schedule.milestones = s.at("milestones").get<std::vector<int64_t>>();
  c.schedule.gamma = s.at("gamma").get<double>();
  c.schedule.tMax = s.at("t_max").get<int64_t>();
  c.schedule.etaMin = s.at("eta_min").get<double>();
  c.schedule.warmupSteps = s.at("warmup_steps").get<int64_t>();
  c.schedule.warmupStartFactor = s.at("warmup_start_factor").get<double>();
  c.clipGradNorm = j.at("clip_grad_norm").get<double>();
  c.batch = j.at("batch").get<int64_t>();
  c.crop = j.at("crop").get<int64_t>();
  c.steps = j.at("steps").get<int64_t>();
  c.epochs = j.at("epochs").get<int64_t>();
  c.evalEvery = j.at("eval_every").get<int64_t>();
  c.checkpointEvery = j.at("checkpoint_every").get<int64_t>();
  c.freeze = j.at("freeze").get<std::vector<std::string>>();
  return c;
}

} // namespace

json graphToJson(const Graph& g, const SourceManager& sm) {
  json j;
  j["entry"] = g.entry;
  j["kind"] = g.kind == GraphKind::Training ? "training" : "inference";
  j["symbols"] = json::array();
  for (size_t i = 0; i < g.symbols.names.size(); ++i)
    j["symbols"].push_back({{"name", g.symbols.names[i]}, {"divisor", g.symbols.divisors[i]}});
  json files = json::array();
  for (size_t i = 0; i < sm.size(); ++i)
    files.push_back(sm.path(static_cast<int32_t>(i)));
  j["files"] = files;
  j["nodes"] = json::array();
  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    json jn;
    jn["op"] = opName(n.op);
    jn["attrs"] = attrsToJson(n.attrs);
    jn["in"] = n.inputs;
    jn["out"] = json::array();
    for (ValueId v : n.outputs) {
      json shape = json::array();
      for (auto& d : g.type(v).shape)
        shape.push_back(dimToJson(d));
      jn["out"].push_back({{"id", v},
                           {"dtype", dtypeName(g.type(v).dtype)},
                           {"shape", shape},
                           {"name", g.value(v).name}});
    }
    jn["spans"] = json::array();
    for (auto& s : n.spans)
      jn["spans"].push_back({s.file, s.line, s.col, s.len});
    j["nodes"].push_back(jn);
  }
  j["outputs"] = json::array();
  for (auto& o : g.outputs)
    j["outputs"].push_back({{"name", o.name}, {"value", o.value}});
  if (g.kind == GraphKind::Training) j["train"] = trainConfigToJson(g.train);
  return j;
}

static std::string readText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Expected<Graph> graphFromJson(const json& j, SourceManager& sm) {
  try {
    Graph g;
    g.entry = j.at("entry").get<std::string>();
    g.kind =
        j.at("kind").get<std::string>() == "training" ? GraphKind::Training : GraphKind::Inference;
    for (auto& s : j.at("symbols")) {
      int32_t id = g.symbols.add(s.at("name").get<std::string>());
      g.symbols.divisors[id] = s.at("divisor").get<int64_t>();
    }
    std::vector<int32_t> fileMap;
    for (auto& f : j.at("files")) {
      std::string p = f.get<std::string>();
      int32_t id = sm.find(p);
      fileMap.push_back(id >= 0 ? id : sm.add(p, readText(p)));
    }
    std::map<int64_t, ValueId> vmap;
    for (auto& jn : j.at("nodes")) {
      std::string opn = jn.at("op").get<std::string>();
      auto op = opFromName(opn);
      if (!op) return Status::error("plan: unknown op '" + opn + "'");
      auto attrs = attrsFromJson(opInfo(*op).attrsIndex, jn.at("attrs"));
      if (!attrs) return Status::error("plan: op '" + opn + "': " + attrs.status().message());
      std::vector<ValueId> ins;
      for (auto& i : jn.at("in")) {
        auto it = vmap.find(i.get<int64_t>());
        if (it == vmap.end()) return Status::error("plan: node reads a value defined later");
        ins.push_back(it->second);
      }
      std::vector<TensorType> outs;
      for (auto& o : jn.at("out")) {
        auto dt = dtypeFromName(o.at("dtype").get<std::string>());
        if (!dt) return Status::error("plan: bad dtype");
        Shape s;
        for (auto& d : o.at("shape")) {
          auto dim = dimFromJson(d);
          if (!dim) return dim.takeStatus();
          if (dim->sym >= static_cast<int32_t>(g.symbols.names.size()))
            return Status::error("plan: unknown symbol");
          s.push_back(*dim);
        }
        outs.push_back({*dt, s});
      }
      std::vector<SourceSpan> spans;
      for (auto& s : jn.at("spans")) {
        int32_t f = s.at(0).get<int32_t>();
        spans.push_back({f >= 0 && f < static_cast<int32_t>(fileMap.size()) ? fileMap[f] : -1,
                         s.at(1).get<int32_t>(), s.at(2).get<int32_t>(), s.at(3).get<int32_t>()});
      }
      int n = static_cast<int>(ins.size());
      const OpInfo& info = opInfo(*op);
      if (n < info.minInputs || n > info.maxInputs ||
          static_cast<int>(outs.size()) != info.numOutputs)
        return Status::error("plan: op '" + opn + "' has the wrong number of inputs or outputs");
      if (*op == OpKind::Constant) {
        const auto& data = std::get<ConstantAttrs>(*attrs).data;
        if (!data.empty() && (!shapeIsConst(outs[0].shape) ||
                              static_cast<int64_t>(data.size()) != shapeNumel(outs[0].shape)))
          return Status::error("plan: a constant's data does not fill its shape");
      }
      NodeId nid = g.addNode(*op, std::move(*attrs), ins, outs, spans);
      auto& jouts = jn.at("out");
      for (size_t k = 0; k < jouts.size(); ++k) {
        ValueId v = g.nodes[nid].outputs[k];
        vmap[jouts[k].at("id").get<int64_t>()] = v;
        g.value(v).name = jouts[k].at("name").get<std::string>();
      }
    }
    for (auto& o : j.at("outputs")) {
      auto it = vmap.find(o.at("value").get<int64_t>());
      if (it == vmap.end()) return Status::error("plan: output refers to an unknown value");
      g.outputs.push_back({o.at("name").get<std::string>(), it->second});
    }
    if (j.contains("train")) {
      auto tc = trainConfigFromJson(j.at("train"));
      if (!tc) return tc.takeStatus();
      g.train = std::move(*tc);
    }
    return g;
  } catch (const std::exception& e) {
    return Status::error(std::string("plan: malformed (") + e.what() + ")");
  }
}

} // namespace llie
