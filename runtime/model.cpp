// Compile, plan files and the Enhancer (see model.h).
#include "runtime/model.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/ir/serialize.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/dead_code_elim.h"
#include "compiler/passes/fold_batchnorm.h"
#include "compiler/passes/fuse_epilogue.h"
#include "compiler/passes/specialize.h"
#include "runtime/atomic_file.h"
#include "runtime/image_io.h"
#include "runtime/rng.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef LLIE_MODELS_DIR
#define LLIE_MODELS_DIR "models"
#endif

namespace llie {

using json = nlohmann::json;

std::vector<std::string> defaultSearchPaths() {
  std::vector<std::string> r;
  if (const char* p = std::getenv("LLIE_PATH")) {
    std::stringstream ss(p);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) r.push_back(item);
  }
  r.push_back(LLIE_MODELS_DIR);
  return r;
}

/// The inference fusion passes, in order (never for train entries: building the training step
/// needs the unfused graph). batchnorm-to-affine is left out: on the cpu backend its multiply and
/// add (two oneDNN binary passes) took about 2.7x the batchnorm kernel's time (1x64x256x256).
static void fuseForInference(Graph& g) {
  foldBatchNorm(g);
  fuseEpilogue(g);
  eliminateCommonSubexpressions(g);
}

Expected<CompiledModel> compileModel(SourceManager& sm, const std::string& path,
                                     const CompileOptions& opt) {
  auto paths = opt.searchPaths;
  for (auto& p : defaultSearchPaths())
    paths.push_back(p);
  LLIE_ASSIGN_OR_RETURN(Program prog, loadProgram(sm, path, paths));
  LLIE_ASSIGN_OR_RETURN(Graph g, elaborate(prog, opt.elab));
  // Train entries of the file are checked too, down to their gradients, so that an op without
  // a gradient rule is reported when the file is compiled, not when training starts.
  for (auto& name : entryNames(prog)) {
    if (prog.decls.at(name)->kind != ast::DeclKind::Train) continue;
    Graph t = g;
    if (name != g.entry) {
      ElaborateOptions eo;
      eo.entry = name;
      LLIE_ASSIGN_OR_RETURN(t, elaborate(prog, eo));
    }
    auto step = buildTrainingStep(t, {});
    if (!step) return step.takeStatus();
  }
  if (opt.optimize) {
    if (g.kind == GraphKind::Inference) fuseForInference(g);
    eliminateDeadCode(g);
  }
  LLIE_RETURN_IF_ERROR(verifyGraph(g));
  // The hash covers every file the program reads (also those the manager already held).
  std::string all;
  for (auto& m : prog.modules)
    all += sm.text(m->fileId);
  return CompiledModel{std::move(g), path, hex64(fnv1a64(all))};
}

Status savePlan(const std::string& path, const CompiledModel& m, const SourceManager& sm) {
  json j;
  j["format"] = "llie-plan";
  j["version"] = 1;
  j["source"] = {{"path", m.sourcePath}, {"hash", m.sourceHash}};
  j["graph"] = graphToJson(m.graph, sm);
  std::string text = j.dump(1);
  return writeFileAtomic(path, text.data(), text.size());
}

Expected<CompiledModel> loadPlan(SourceManager& sm, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error("cannot open plan '" + path + "'");
  json j;
  try {
    j = json::parse(f);
  } catch (const std::exception& e) {
    return Status::error("'" + path + "' is not a plan (not JSON: " + std::string(e.what()) + ")",
                         {}, {"make a plan with llie-compile MODEL.llie -o MODEL.plan"});
  }
  if (!j.is_object() || j.value("format", "") != "llie-plan")
    return Status::error("'" + path + "' is not an llie plan");
  if (j.value("version", 0) != 1)
    return Status::error("plan '" + path + "' has an unsupported version; recompile it");
  auto g = graphFromJson(j["graph"], sm);
  if (!g) return Status::error("plan '" + path + "': " + g.status().message());
  LLIE_RETURN_IF_ERROR(verifyGraph(*g));
  CompiledModel m{std::move(*g), j["source"].value("path", ""), j["source"].value("hash", "")};
  return m;
}

Expected<CompiledModel> loadModel(SourceManager& sm, const std::string& path,
                                  const CompileOptions& opt) {
  if (path.size() > 5 && path.ends_with(".llie")) return compileModel(sm, path, opt);
  return loadPlan(sm, path);
}

std::string Enhancer::inputName() const {
  for (const Node& n : model_.graph.nodes)
    if (!n.dead && n.op == OpKind::Input) return attrsOf<InputAttrs>(n).name;
  return {};
}

Expected<Executor*> Enhancer::executorFor(const std::vector<int64_t>& shape) {
  auto it = cache_.find(shape);
  if (it != cache_.end()) {
    std::erase(lru_, shape);
    lru_.push_back(shape);
    return it->second.get();
  }
  LLIE_ASSIGN_OR_RETURN(Graph sg, specializeGraph(model_.graph, {{inputName(), shape}}));
  LLIE_ASSIGN_OR_RETURN(auto ex, Executor::create(std::move(sg), backend_));
  LLIE_RETURN_IF_ERROR(ex->setWeights(weights_));
  Executor* raw = ex.get();
  // Keep the few most recent shapes: a folder of photos of many sizes must not hold an arena
  // per size.
  if (cache_.size() >= kMaxCachedShapes) {
    cache_.erase(lru_.front());
    lru_.erase(lru_.begin());
  }
  cache_[shape] = std::move(ex);
  lru_.push_back(shape);
  return raw;
}

Expected<std::map<std::string, HostTensor>> Enhancer::runRaw(const HostTensor& input) {
  LLIE_ASSIGN_OR_RETURN(Executor * ex, executorFor(input.shape));
  LLIE_RETURN_IF_ERROR(ex->setInput(inputName(), input));
  LLIE_RETURN_IF_ERROR(ex->run());
  std::map<std::string, HostTensor> out;
  for (auto& o : model_.graph.outputs) {
    LLIE_ASSIGN_OR_RETURN(HostTensor t, ex->output(o.name));
    out[o.name] = std::move(t);
  }
  return out;
}

Expected<HostTensor> Enhancer::enhance(const HostTensor& image) {
  if (image.shape.size() != 4 || image.shape[1] != 3)
    return Status::error("enhance expects an image batch [N, 3, H, W]");
  auto div = inputDivisors(model_.graph, inputName());
  int64_t H = image.shape[2], W = image.shape[3];
  int64_t mult = div.size() == 4 ? std::max(div[2], div[3]) : 1;
  HostTensor padded = image;
  if (mult > 1 && (H % div[2] != 0 || W % div[3] != 0)) {
    int64_t pb = 0, pr = 0;
    padded = padReflectToMultiple(image, mult, pb, pr);
  }
  LLIE_ASSIGN_OR_RETURN(auto outs, runRaw(padded));
  HostTensor y = std::move(outs.at(model_.graph.outputs.at(0).name));
  if (y.shape.size() != 4) return Status::error("the model's first output is not an image");
  if (y.shape[2] != H || y.shape[3] != W) y = cropTo(y, H, W);
  return y;
}

} // namespace llie
