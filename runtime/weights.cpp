// Weights for a graph: initialisation and checked loading (see weights.h).
#include "runtime/weights.h"
#include "runtime/init.h"

namespace llie {

static std::string shapeStr(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

Expected<Weights> initialWeights(const Graph& g, uint64_t seed) {
  Weights w;
  for (const Node& n : g.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const auto& a = attrsOf<ParamAttrs>(n);
    HostTensor t(concreteShape(g.type(n.outputs[0])), g.type(n.outputs[0]).dtype);
    LLIE_RETURN_IF_ERROR(initParam(t, a, seed));
    w[a.name] = std::move(t);
  }
  return w;
}

std::string namesHint(const std::string& what, const std::vector<std::string>& names) {
  std::string s = what + " (" + std::to_string(names.size()) + "):";
  for (size_t i = 0; i < names.size() && i < 12; ++i)
    s += "\n    " + names[i];
  if (names.size() > 12) s += "\n    ... and " + std::to_string(names.size() - 12) + " more";
  return s;
}

Status checkWeights(const Graph& g, const TensorFile& file, const std::string& path) {
  std::vector<std::string> missing, wrong, unexpected;
  std::map<std::string, bool> known;
  for (const Node& n : g.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const auto& name = attrsOf<ParamAttrs>(n).name;
    known[name] = true;
    auto it = file.tensors.find(name);
    auto want = concreteShape(g.type(n.outputs[0]));
    if (it == file.tensors.end())
      missing.push_back(name + " " + shapeStr(want));
    else if (it->second.shape != want || it->second.dtype != g.type(n.outputs[0]).dtype)
      wrong.push_back(name + ": file has " + dtypeName(it->second.dtype) +
                      shapeStr(it->second.shape) + ", model needs " +
                      dtypeName(g.type(n.outputs[0]).dtype) + shapeStr(want));
  }
  for (auto& [name, t] : file.tensors) {
    if (known.count(name)) continue;
    if (name.size() > 20 && name.ends_with(".num_batches_tracked")) continue;
    unexpected.push_back(name + " " + shapeStr(t.shape));
  }
  if (missing.empty() && wrong.empty() && unexpected.empty()) return Status::ok();
  std::vector<std::string> hints;
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (!v.empty()) hints.push_back(namesHint(what, v));
  };
  list("missing from the file", missing);
  list("wrong shape", wrong);
  list("in the file but not in the model", unexpected);
  return Status::error("weights file '" + path + "' does not match model '" + g.entry + "'", {},
                       hints);
}

Expected<Weights> loadWeights(const Graph& g, const std::string& path) {
  LLIE_ASSIGN_OR_RETURN(TensorFile f, readSafetensors(path));
  LLIE_RETURN_IF_ERROR(checkWeights(g, f, path));
  Weights w;
  for (const Node& n : g.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const auto& name = attrsOf<ParamAttrs>(n).name;
    w[name] = std::move(f.tensors[name]);
  }
  return w;
}

} // namespace llie
