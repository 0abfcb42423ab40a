// The training run (see trainer.h): setting up (compile, data, weights or checkpoint, output
// folder checks), the step loop, evaluation, the JSON-lines log and the progress line.
#include "runtime/trainer.h"
#include "compiler/autodiff/training_mode.h"
#include "compiler/autodiff/training_step.h"
#include "compiler/passes/specialize.h"
#include "runtime/atomic_file.h"
#include "runtime/checkpoint.h"
#include "runtime/data/loader.h"
#include "runtime/metrics.h"
#include "runtime/model.h"
#include "runtime/rng.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <omp.h>
#include <set>
#include <sstream>

namespace llie {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

Expected<std::string> firstTrainEntry(SourceManager& sm, const std::string& path,
                                      const std::vector<std::string>& searchPaths) {
  auto paths = searchPaths;
  for (auto& p : defaultSearchPaths())
    paths.push_back(p);
  LLIE_ASSIGN_OR_RETURN(Program prog, loadProgram(sm, path, paths));
  for (auto& name : entryNames(prog))
    if (prog.decls.at(name)->kind == ast::DeclKind::Train) return name;
  return Status::error(
      "'" + path + "' has no train entry", {},
      {"add one, e.g. `train T(x: [N, 3, H, W], gt: [N, 3, H, W]) { loss l1 = "
       "mean(abs(Model(x) - gt)) optimizer = adam(lr=1e-3) }` (docs/language.md)"});
}

namespace {

std::string fmtDuration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  int64_t t = static_cast<int64_t>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                  static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
  return buf;
}

std::string fmtNum(double v, int prec = 4) {
  std::ostringstream os;
  os << std::setprecision(prec) << v;
  return os.str();
}

/// A JSON number, or null when not finite (JSON has no NaN/inf).
ojson num(double v) {
  return std::isfinite(v) ? ojson(v) : ojson(nullptr);
}

/// The names of a graph's Input nodes, in declaration order.
std::vector<std::string> inputNames(const Graph& g) {
  std::vector<std::string> r;
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Input) r.push_back(attrsOf<InputAttrs>(n).name);
  return r;
}

const TensorType* inputType(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Input && attrsOf<InputAttrs>(n).name == name)
      return &g.type(n.outputs[0]);
  return nullptr;
}

/// Mean PSNR/SSIM of the enhanced held-out images (clamped to [0, 1], as `eval` measures).
struct EvalResult {
  double psnr = 0, ssim = 0;
  int64_t count = 0;
};

/// One line of progress: redrawn in place on a terminal, else printed as it is.
class Progress {
public:
  Progress(std::ostream* os, bool live, int columns) : os_(os), live_(live), columns_(columns) {}
  void status(const std::string& line) {
    if (!os_) return;
    if (live_) {
      // A wrapped line could not be redrawn in place: cut it to the terminal's width.
      const size_t width = columns_ > 1 ? static_cast<size_t>(columns_ - 1) : std::string::npos;
      *os_ << "\r\033[K" << line.substr(0, width) << std::flush;
      shown_ = true;
    } else {
      *os_ << line << "\n" << std::flush;
    }
  }
  /// A message on its own line (the live line is redrawn by the next status()).
  void message(const std::string& line) {
    if (!os_) return;
    if (live_ && shown_) *os_ << "\r\033[K";
    shown_ = false;
    *os_ << line << "\n" << std::flush;
  }
  void finish() {
    if (os_ && live_ && shown_) *os_ << "\n" << std::flush;
    shown_ = false;
  }
  bool live() const { return live_; }

private:
  std::ostream* os_;
  bool live_;
  int columns_;
  bool shown_ = false;
};

class Run {
public:
  Run(SourceManager& sm, const TrainOptions& o)
      : sm_(sm), o_(o), progress_(o.progress, o.live, o.columns) {}
  Status setup();
  Expected<TrainResult> loop();

private:
  Status compile();
  Status loadResume();
  Status settle();
  Status openData();
  Status initWeights();
  Status createExecutor();
  Status checkOutputFolder();
  Status startLog();
  Expected<EvalResult> evaluate(const Weights& stepWeights);
  Status evalAndLog(int64_t stepsDone);
  Weights inferenceWeights(const Weights& stepWeights) const;
  Status writeCheckpoint(int64_t stepsDone, double loss);
  void logRecord(const ojson& j);

  SourceManager& sm_;
  const TrainOptions& o_;
  Progress progress_;

  std::map<std::string, std::string> modelOverrides();
  std::string entry_, outDir_;
  std::optional<CompiledModel> trainModel_, inferModel_;
  std::string inferError_; // why there is no inference model (eval and final weights skipped)
  Graph stepGraph_;
  TrainConfig cfg_;
  std::vector<std::string> dataInputs_; // the entry's inputs: (low[, high])
  std::vector<std::string> lossTerms_;  // the step graph's "loss.<name>" outputs
  bool hasStepInput_ = false;

  int64_t batch_ = 0, crop_ = 0, totalSteps_ = 0, evalEvery_ = 0, ckptEvery_ = 0, perEpoch_ = 1;
  uint64_t seed_ = 0;
  std::shared_ptr<const data::Dataset> train_;
  std::string fingerprint_;
  std::vector<data::Sample> val_;
  double valInputPsnr_ = 0, valInputSsim_ = 0;

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Executor> exec_;
  std::unique_ptr<data::Loader> loader_;
  Weights initial_;   // the step graph's starting tensors
  Weights inferBase_; // inference tensors not trained by the step graph come from here
  std::optional<Checkpoint> resume_;
  int64_t startStep_ = 0;
  double elapsedBefore_ = 0; // seconds spent by the run before a resume
  std::ofstream log_;
  Clock::time_point t0_;
};

// The overrides that name a parameter of the file's first model (the evaluated one).
std::map<std::string, std::string> Run::modelOverrides() {
  std::map<std::string, std::string> r;
  if (o_.overrides.empty()) return r;
  auto paths = o_.searchPaths;
  for (auto& p : defaultSearchPaths())
    paths.push_back(p);
  auto prog = loadProgram(sm_, o_.model, paths);
  if (!prog) return r;
  for (auto& d : prog->modules[0]->decls) {
    if (d.kind != ast::DeclKind::Model) continue;
    for (auto& p : d.params)
      if (o_.overrides.count(p.name)) r[p.name] = o_.overrides.at(p.name);
    break;
  }
  return r;
}

Status Run::compile() {
  if (!(o_.model.size() > 5 && o_.model.ends_with(".llie")))
    return Status::error("train needs the model's .llie file (a plan holds no train entry): '" +
                         o_.model + "'");
  if (o_.entry.empty()) {
    LLIE_ASSIGN_OR_RETURN(entry_, firstTrainEntry(sm_, o_.model, o_.searchPaths));
  } else {
    entry_ = o_.entry;
  }
  CompileOptions co;
  co.searchPaths = o_.searchPaths;
  co.elab.entry = entry_;
  co.elab.overrides = o_.overrides;
  LLIE_ASSIGN_OR_RETURN(CompiledModel tm, compileModel(sm_, o_.model, co));
  if (tm.graph.kind != GraphKind::Training) {
    Status st = Status::error("'" + entry_ + "' is a model entry; train needs a train entry");
    auto first = firstTrainEntry(sm_, o_.model, o_.searchPaths);
    if (first)
      st.hint("this file's first train entry is '" + *first + "' (--entry " + *first + ")");
    return st;
  }
  trainModel_ = std::move(tm);
  cfg_ = trainModel_->graph.train;

  CompileOptions io;
  io.searchPaths = o_.searchPaths;
  io.elab.overrides = modelOverrides();
  auto im = compileModel(sm_, o_.model, io);
  if (im)
    inferModel_ = std::move(*im);
  else
    inferError_ = im.status().message();

  LLIE_ASSIGN_OR_RETURN(stepGraph_, buildTrainingStep(trainModel_->graph, {}));
  // The entry's image inputs; `step` (and `lr`) are the scalars the trainer feeds itself.
  for (auto& name : inputNames(trainModel_->graph))
    if (name != "step" && name != "lr") dataInputs_.push_back(name);
  if (dataInputs_.empty() || dataInputs_.size() > 2)
    return Status::error("train entry '" + entry_ + "' has " + std::to_string(dataInputs_.size()) +
                         " tensor inputs; training takes one (zero-reference: low-light images) or "
                         "two (low, high pairs, in declaration order)");
  for (auto& name : inputNames(stepGraph_)) {
    if (name == "lr" || name == "step") {
      hasStepInput_ |= name == "step";
      continue;
    }
    if (std::find(dataInputs_.begin(), dataInputs_.end(), name) == dataInputs_.end())
      return Status::error("internal: the training step reads an unknown input '" + name + "'");
  }
  for (auto& out : stepGraph_.outputs)
    if (out.name.rfind("loss.", 0) == 0) lossTerms_.push_back(out.name);
  bool hasTotal = false;
  for (auto& out : stepGraph_.outputs)
    hasTotal |= out.name == "loss";
  if (!hasTotal) return Status::error("internal: the training step has no output 'loss'");
  return Status::ok();
}

Status Run::openData() {
  if (o_.data.empty()) return Status::error("train: --data DIR is required");
  if (!fs::is_directory(o_.data))
    return Status::error("train: --data '" + o_.data + "' is not a folder");
  const bool split = fs::is_directory(fs::path(o_.data) / "train");
  const std::string trainDir = split ? (fs::path(o_.data) / "train").string() : o_.data;
  if (dataInputs_.size() == 2) {
    auto ds = data::PairedDataset::open(trainDir);
    if (!ds)
      return Status(ds.status())
          .hint("'" + entry_ + "' takes (" + dataInputs_[0] + ", " + dataInputs_[1] +
                ") = (low, high) pairs: --data DIR with DIR/low and DIR/high (or DIR/train/...)");
    train_ = std::make_shared<data::PairedDataset>(std::move(*ds));
  } else {
    // Zero-reference training: only low-light images (DIR/low of a paired set, or DIR itself).
    const fs::path low = fs::path(trainDir) / "low";
    auto ds = data::UnpairedDataset::open(fs::is_directory(low) ? low.string() : trainDir);
    if (!ds) return ds.takeStatus();
    train_ = std::make_shared<data::UnpairedDataset>(std::move(*ds));
  }
  uint64_t h = fnv1a64(train_->paired() ? "paired" : "unpaired");
  for (size_t i = 0; i < train_->size(); ++i)
    h = (h ^ fnv1a64(train_->name(i))) * 0x100000001B3ull;
  fingerprint_ =
      std::to_string(train_->size()) + (train_->paired() ? " pairs " : " images ") + hex64(h);

  std::string valDir = o_.val;
  if (valDir.empty() && split && fs::is_directory(fs::path(o_.data) / "val"))
    valDir = (fs::path(o_.data) / "val").string();
  if (!valDir.empty()) {
    auto vs = data::PairedDataset::open(valDir);
    if (!vs)
      return Status(vs.status()).hint("--val needs DIR/low and DIR/high with matching names");
    size_t n = vs->size();
    if (o_.evalMax > 0) n = std::min<size_t>(n, static_cast<size_t>(o_.evalMax));
    double sp = 0, ss = 0;
    for (size_t i = 0; i < n; ++i) {
      LLIE_ASSIGN_OR_RETURN(data::Sample s, vs->load(i));
      auto p = psnr(s.low, s.high);
      auto q = ssim(s.low, s.high);
      if (!p || !q)
        return Status::error("validation pair '" + s.name +
                             "': " + (!p ? p.status() : q.status()).message());
      sp += *p, ss += *q;
      val_.push_back(std::move(s));
    }
    valInputPsnr_ = sp / static_cast<double>(n);
    valInputSsim_ = ss / static_cast<double>(n);
  }
  return Status::ok();
}

Status Run::initWeights() {
  LLIE_ASSIGN_OR_RETURN(initial_, initialWeights(stepGraph_, seed_));
  if (inferModel_) {
    LLIE_ASSIGN_OR_RETURN(inferBase_, initialWeights(inferModel_->graph, seed_));
  }
  if (!o_.weights.empty()) {
    LLIE_ASSIGN_OR_RETURN(TensorFile f, readSafetensors(o_.weights));
    Weights from;
    auto fmt = f.metadata.find("format");
    if (fmt != f.metadata.end() && fmt->second == "llie-checkpoint") {
      // A checkpoint: its weights and running statistics; the optimizer starts afresh.
      LLIE_ASSIGN_OR_RETURN(Checkpoint c, loadCheckpoint(o_.weights));
      for (auto& [name, t] : c.tensors)
        if (name.rfind("opt.", 0) != 0) from[name] = std::move(t);
    } else if (inferModel_) {
      LLIE_RETURN_IF_ERROR(checkWeights(inferModel_->graph, f, o_.weights));
      from = std::move(f.tensors);
    } else {
      from = std::move(f.tensors);
    }
    std::vector<std::string> missing, wrong;
    for (auto& [name, t] : initial_) {
      if (name.rfind("opt.", 0) == 0) continue;
      auto it = from.find(name);
      if (it == from.end())
        missing.push_back(name);
      else if (it->second.shape != t.shape || it->second.dtype != t.dtype)
        wrong.push_back(name);
      else
        t = it->second;
    }
    for (auto& [name, t] : inferBase_) {
      auto it = from.find(name);
      if (it != from.end() && it->second.shape == t.shape && it->second.dtype == t.dtype)
        t = it->second;
    }
    if (!missing.empty() || !wrong.empty()) {
      Status st = Status::error("weights file '" + o_.weights + "' does not hold every tensor '" +
                                entry_ + "' trains");
      for (size_t i = 0; i < missing.size() && i < 12; ++i)
        st.hint("missing: " + missing[i]);
      for (size_t i = 0; i < wrong.size() && i < 12; ++i)
        st.hint("wrong shape or dtype: " + wrong[i]);
      return st;
    }
  }
  return Status::ok();
}

Status Run::checkOutputFolder() {
  // Default: runs/<entry>; a resumed run continues in its checkpoint's folder.
  if (!o_.out.empty())
    outDir_ = o_.out;
  else if (resume_)
    outDir_ = fs::path(o_.resume).parent_path().empty()
                  ? std::string(".")
                  : fs::path(o_.resume).parent_path().string();
  else
    outDir_ = (fs::path("runs") / entry_).string();
  if (fs::exists(outDir_) && !fs::is_directory(outDir_))
    return Status::error("--out '" + outDir_ + "' exists and is not a folder");
  if (!resume_ && !o_.overwrite) {
    for (const char* f : {"last.safetensors", "log.jsonl", "weights.safetensors"})
      if (fs::exists(fs::path(outDir_) / f))
        return Status::error("'" + outDir_ + "' already holds a training run (" + f + ")", {},
                             {"continue it with --resume " +
                              (fs::path(outDir_) / "last.safetensors").string() +
                              ", pick another --out, or pass --overwrite to start over there"});
  }
  return Status::ok();
}

void Run::logRecord(const ojson& j) {
  if (!log_) return;
  log_ << j.dump() << "\n";
  log_.flush();
}

Status Run::startLog() {
  const std::string path = (fs::path(outDir_) / "log.jsonl").string();
  if (resume_ && fs::exists(path)) {
    // Keep the records up to the checkpoint; what came after it (a run killed later) is redone.
    std::ifstream in(path);
    std::string line, kept;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue; // a line torn by a kill
      if (j.contains("step") && j["step"].is_number_integer() &&
          j["step"].get<int64_t>() > resume_->meta.step)
        continue;
      kept += line + "\n";
    }
    LLIE_RETURN_IF_ERROR(writeFileAtomic(path, kept.data(), kept.size()));
  }
  log_.open(path, resume_ ? std::ios::app : std::ios::trunc);
  if (!log_) return Status::error("cannot write '" + path + "'");
  return Status::ok();
}

Weights Run::inferenceWeights(const Weights& stepWeights) const {
  Weights w = inferBase_;
  for (auto& [name, t] : w) {
    auto it = stepWeights.find(name);
    if (it != stepWeights.end() && it->second.shape == t.shape && it->second.dtype == t.dtype)
      t = it->second;
  }
  return w;
}

Expected<EvalResult> Run::evaluate(const Weights& stepWeights) {
  EvalResult r;
  Enhancer enh(*inferModel_, *backend_, inferenceWeights(stepWeights));
  for (auto& s : val_) {
    LLIE_ASSIGN_OR_RETURN(HostTensor y, enh.enhance(s.low));
    for (int64_t i = 0; i < y.numel(); ++i)
      y.f32()[i] = std::isnan(y.f32()[i]) ? 0.f : std::clamp(y.f32()[i], 0.f, 1.f);
    LLIE_ASSIGN_OR_RETURN(double p, psnr(y, s.high));
    LLIE_ASSIGN_OR_RETURN(double q, ssim(y, s.high));
    r.psnr += p, r.ssim += q, ++r.count;
  }
  if (r.count) r.psnr /= static_cast<double>(r.count), r.ssim /= static_cast<double>(r.count);
  return r;
}

Status Run::evalAndLog(int64_t stepsDone) {
  if (val_.empty() || !inferModel_) return Status::ok();
  LLIE_ASSIGN_OR_RETURN(EvalResult r, evaluate(exec_->readWeights()));
  ojson j;
  j["type"] = "eval";
  j["step"] = stepsDone;
  j["psnr"] = num(r.psnr);
  j["ssim"] = num(r.ssim);
  j["count"] = r.count;
  j["input_psnr"] = num(valInputPsnr_);
  j["input_ssim"] = num(valInputSsim_);
  logRecord(j);
  progress_.message("eval at step " + std::to_string(stepsDone) + ": PSNR " + fmtNum(r.psnr, 5) +
                    " dB  SSIM " + fmtNum(r.ssim, 4) + " on " + std::to_string(r.count) +
                    " held-out pair" + (r.count == 1 ? "" : "s") + " (input: PSNR " +
                    fmtNum(valInputPsnr_, 5) + " dB  SSIM " + fmtNum(valInputSsim_, 4) + ")");
  return Status::ok();
}

Status Run::writeCheckpoint(int64_t stepsDone, double loss) {
  Checkpoint c;
  c.tensors = exec_->readWeights();
  CheckpointMeta& m = c.meta;
  m.modelHash = trainModel_->sourceHash;
  m.entry = entry_;
  m.step = stepsDone;
  m.epoch = stepsDone / perEpoch_;
  m.totalSteps = totalSteps_;
  m.lr = learningRate(cfg_, stepsDone, totalSteps_);
  m.batch = batch_;
  m.crop = crop_;
  m.seed = seed_;
  m.dataPosition = stepsDone;
  m.dataFingerprint = fingerprint_;
  m.extra["model_path"] = o_.model;
  m.extra["loss"] = fmtNum(loss, 17);
  m.extra["elapsed_s"] =
      fmtNum(elapsedBefore_ + std::chrono::duration<double>(Clock::now() - t0_).count(), 17);
  const std::string numbered =
      (fs::path(outDir_) / ("checkpoint-" + std::to_string(stepsDone) + ".safetensors")).string();
  LLIE_RETURN_IF_ERROR(saveCheckpoint(numbered, c));
  LLIE_RETURN_IF_ERROR(saveCheckpoint((fs::path(outDir_) / "last.safetensors").string(), c));
  logRecord(ojson{{"type", "checkpoint"}, {"step", stepsDone}, {"path", numbered}});
  return Status::ok();
}

Status Run::loadResume() {
  if (o_.resume.empty()) return Status::ok();
  if (!o_.weights.empty())
    return Status::error("--resume and --weights exclude each other (the checkpoint holds the "
                         "weights)");
  LLIE_ASSIGN_OR_RETURN(Checkpoint c, loadCheckpoint(o_.resume));
  LLIE_RETURN_IF_ERROR(
      checkCheckpointMatches(c, stepGraph_, trainModel_->sourceHash, entry_, o_.resume));
  resume_ = std::move(c);
  return Status::ok();
}

/// The run's settings: the command line, else the checkpoint being resumed, else the entry's
/// TrainConfig. A resumed run refuses settings that would change its data stream.
Status Run::settle() {
  const CheckpointMeta* rm = resume_ ? &resume_->meta : nullptr;
  batch_ = o_.batch ? *o_.batch : rm ? rm->batch : cfg_.batch;
  crop_ = o_.crop ? *o_.crop : rm ? rm->crop : cfg_.crop;
  seed_ = o_.seed ? *o_.seed : rm ? rm->seed : 0;
  if (o_.lr) cfg_.optimizer.lr = *o_.lr;
  evalEvery_ = o_.evalEvery.value_or(cfg_.evalEvery);
  ckptEvery_ = o_.checkpointEvery.value_or(cfg_.checkpointEvery);
  if (batch_ < 1)
    return Status::error("the batch size must be at least 1, got " + std::to_string(batch_));
  if (crop_ < 1)
    return Status::error("the crop size must be at least 1, got " + std::to_string(crop_));
  if (evalEvery_ < 0 || ckptEvery_ < 0)
    return Status::error("--eval-every and --checkpoint-every must not be negative");
  if (o_.lr && !(*o_.lr > 0 && std::isfinite(*o_.lr)))
    return Status::error("--lr must be a positive number");
  if (rm) {
    std::vector<std::string> conflicts;
    if (rm->batch != batch_)
      conflicts.push_back("--batch " + std::to_string(batch_) + " (the checkpoint's run used " +
                          std::to_string(rm->batch) + ")");
    if (rm->crop != crop_)
      conflicts.push_back("--crop " + std::to_string(crop_) + " (the checkpoint's run used " +
                          std::to_string(rm->crop) + ")");
    if (rm->seed != seed_)
      conflicts.push_back("--seed " + std::to_string(seed_) + " (the checkpoint's run used " +
                          std::to_string(rm->seed) + ")");
    if (!conflicts.empty()) {
      Status st = Status::error("cannot resume '" + o_.resume +
                                "' with other data settings: the batches would not continue the "
                                "run's stream");
      for (auto& c : conflicts)
        st.hint(c);
      st.hint("to train on from its weights with new settings, pass it to --weights instead");
      return st;
    }
  }
  // Every data input is an image batch [N, 3, H, W]; the crop must satisfy the entry's
  // `require H % d == 0`.
  for (auto& name : dataInputs_) {
    const TensorType* t = inputType(trainModel_->graph, name);
    if (!t || t->shape.size() != 4 || !t->shape[1].isConst() || t->shape[1].off != 3)
      return Status::error("train entry '" + entry_ + "': input '" + name +
                           "' is not an image batch [N, 3, H, W]");
    auto div = inputDivisors(trainModel_->graph, name);
    for (size_t axis : {size_t(2), size_t(3)})
      if (div.size() == 4 && crop_ % div[axis] != 0)
        return Status::error(
            "the crop size " + std::to_string(crop_) + " is not a multiple of " +
                std::to_string(div[axis]) + ", which '" + entry_ + "' requires of its input '" +
                name + "'",
            {}, {"pass --crop " + std::to_string((crop_ / div[axis] + 1) * div[axis])});
  }
  return Status::ok();
}

Status Run::createExecutor() {
  LLIE_ASSIGN_OR_RETURN(backend_, createBackend(o_.backend));
  backend_->requireDeterminism(o_.deterministic);
  InputShapes shapes;
  for (auto& name : dataInputs_)
    shapes[name] = {batch_, 3, crop_, crop_};
  LLIE_ASSIGN_OR_RETURN(Graph sg, specializeGraph(stepGraph_, shapes));
  seedDropPaths(sg, seed_);
  LLIE_ASSIGN_OR_RETURN(exec_, Executor::create(std::move(sg), *backend_));
  exec_->setProfiler(o_.profiler);
  LLIE_RETURN_IF_ERROR(exec_->setWeights(resume_ ? resume_->tensors : initial_));
  data::LoaderOptions lo;
  lo.batchSize = batch_;
  lo.augment.cropH = lo.augment.cropW = crop_;
  lo.seed = seed_;
  lo.startStep = startStep_;
  LLIE_ASSIGN_OR_RETURN(loader_, data::Loader::create(train_, lo));
  return Status::ok();
}

Status Run::setup() {
  if (o_.deterministic) omp_set_num_threads(1);
  LLIE_RETURN_IF_ERROR(compile());
  LLIE_RETURN_IF_ERROR(loadResume());
  LLIE_RETURN_IF_ERROR(settle());
  LLIE_RETURN_IF_ERROR(openData());
  perEpoch_ = static_cast<int64_t>(train_->size()) / batch_;
  if (perEpoch_ == 0)
    return Status::error("the training set has " + std::to_string(train_->size()) +
                             " samples, fewer than one batch of " + std::to_string(batch_),
                         {}, {"lower --batch"});
  if (o_.steps)
    totalSteps_ = *o_.steps;
  else if (o_.epochs)
    totalSteps_ = *o_.epochs * perEpoch_;
  else if (resume_)
    totalSteps_ = resume_->meta.totalSteps;
  else
    totalSteps_ = cfg_.steps > 0 ? cfg_.steps : cfg_.epochs * perEpoch_;
  if (totalSteps_ < 1) return Status::error("the run has no steps (--steps or --epochs)");
  if (resume_) {
    const CheckpointMeta& m = resume_->meta;
    if (m.dataFingerprint != fingerprint_)
      return Status::error("cannot resume '" + o_.resume + "': the training data differs", {},
                           {"the checkpoint's run trained on " + m.dataFingerprint +
                            ", --data now holds " + fingerprint_});
    if (m.step >= totalSteps_)
      return Status::error("'" + o_.resume + "' is at step " + std::to_string(m.step) +
                               ", the run has " + std::to_string(totalSteps_) +
                               " steps: nothing to do",
                           {}, {"pass a larger --steps to train on"});
    startStep_ = m.step;
    elapsedBefore_ =
        std::strtod(m.extra.count("elapsed_s") ? m.extra.at("elapsed_s").c_str() : "0", nullptr);
  }
  LLIE_RETURN_IF_ERROR(initWeights());
  LLIE_RETURN_IF_ERROR(checkOutputFolder());
  LLIE_RETURN_IF_ERROR(createExecutor());
  if (resume_) {
    const double lr = learningRate(cfg_, startStep_, totalSteps_);
    if (lr != resume_->meta.lr)
      progress_.message("note: the learning rate for step " + std::to_string(startStep_ + 1) +
                        " is " + fmtNum(lr, 6) + ", the checkpoint's run would have used " +
                        fmtNum(resume_->meta.lr, 6) + " (--lr or the run length changed)");
  }
  // Everything is checked: from here on files are written.
  std::error_code ec;
  fs::create_directories(outDir_, ec);
  if (ec) return Status::error("cannot create '" + outDir_ + "': " + ec.message());
  return startLog();
}

Expected<TrainResult> Run::loop() {
  TrainResult res;
  res.outDir = outDir_;
  res.totalSteps = totalSteps_;
  t0_ = Clock::now();
  {
    ojson j;
    j["type"] = "start";
    j["step"] = startStep_;
    j["entry"] = entry_;
    j["model"] = o_.model;
    j["model_hash"] = trainModel_->sourceHash;
    j["total_steps"] = totalSteps_;
    j["steps_per_epoch"] = perEpoch_;
    j["batch"] = batch_;
    j["crop"] = crop_;
    j["seed"] = seed_;
    j["base_lr"] = cfg_.optimizer.lr;
    j["deterministic"] = o_.deterministic;
    j["train_samples"] = train_->size();
    j["val_pairs"] = val_.size();
    if (resume_) j["resumed_from"] = o_.resume;
    logRecord(j);
  }
  progress_.message(std::string(resume_ ? "resuming" : "training") + " '" + entry_ + "' " +
                    (resume_ ? "at step " + std::to_string(startStep_) + " of " : "for ") +
                    std::to_string(totalSteps_) + " steps (batch " + std::to_string(batch_) +
                    ", crop " + std::to_string(crop_) + ", " + std::to_string(perEpoch_) +
                    " steps per epoch) -> " + outDir_);
  if (val_.empty())
    progress_.message("note: no held-out pairs (--val, or DATA/val beside DATA/train): no "
                      "evaluation");
  else if (!inferModel_)
    progress_.message("note: no model entry to evaluate (" + inferError_ + ")");
  auto body = [&]() -> Status {
    if (!resume_) LLIE_RETURN_IF_ERROR(evalAndLog(0));
    const int64_t plainEvery = std::max<int64_t>(1, totalSteps_ / 20);
    double trainSeconds = 0;
    int64_t stepsTimed = 0;
    double loss = 0;
    HostTensor scalar(std::vector<int64_t>{});
    for (int64_t s = startStep_; s < totalSteps_; ++s) {
      const auto ts = Clock::now();
      LLIE_ASSIGN_OR_RETURN(data::Batch b, loader_->next());
      if (b.step != s) return Status::error("internal: the loader is out of step");
      LLIE_RETURN_IF_ERROR(exec_->setInput(dataInputs_[0], b.low));
      if (dataInputs_.size() == 2) LLIE_RETURN_IF_ERROR(exec_->setInput(dataInputs_[1], b.high));
      const double lr = learningRate(cfg_, s, totalSteps_);
      scalar.f32()[0] = static_cast<float>(lr);
      if (exec_->hasInput("lr")) LLIE_RETURN_IF_ERROR(exec_->setInput("lr", scalar));
      if (hasStepInput_) {
        scalar.f32()[0] = static_cast<float>(s);
        LLIE_RETURN_IF_ERROR(exec_->setInput("step", scalar));
      }
      LLIE_RETURN_IF_ERROR(exec_->run());
      LLIE_ASSIGN_OR_RETURN(HostTensor lt, exec_->output("loss"));
      loss = lt.f32()[0];
      std::vector<std::pair<std::string, double>> terms;
      for (auto& name : lossTerms_) {
        LLIE_ASSIGN_OR_RETURN(HostTensor t, exec_->output(name));
        terms.emplace_back(name, t.f32()[0]);
      }
      const int64_t done = s + 1;
      const double dt = std::chrono::duration<double>(Clock::now() - ts).count();
      trainSeconds += dt;
      ++stepsTimed;
      const double ips = dt > 0 ? static_cast<double>(batch_) / dt : 0.0;
      ojson j;
      j["type"] = "train";
      j["step"] = done;
      j["epoch"] = b.epoch;
      j["lr"] = lr;
      j["loss"] = num(loss);
      for (auto& [name, v] : terms)
        j[name] = num(v);
      j["images_per_s"] = ips;
      j["time_s"] = elapsedBefore_ + std::chrono::duration<double>(Clock::now() - t0_).count();
      logRecord(j);
      if (!std::isfinite(loss)) {
        std::string detail;
        for (auto& [name, v] : terms)
          detail += (detail.empty() ? "" : ", ") + name.substr(5) + " " + fmtNum(v);
        Status st = Status::error("the loss is " + fmtNum(loss) + " at step " +
                                  std::to_string(done) + " (" + detail + "); training stopped");
        st.hint("try a lower --lr, or clip_grad_norm in the train entry");
        if (!res.lastCheckpoint.empty() || resume_)
          st.hint("the last good checkpoint is " +
                  (res.lastCheckpoint.empty() ? o_.resume : res.lastCheckpoint));
        return st;
      }
      if (progress_.live() || done % plainEvery == 0 || done == startStep_ + 1 ||
          done == totalSteps_) {
        const double avg = trainSeconds / static_cast<double>(stepsTimed);
        std::string line;
        if (progress_.live()) { // a bar of 20 cells
          const int64_t cells = done * 20 / totalSteps_;
          line = "[" + std::string(static_cast<size_t>(cells), '#') +
                 std::string(static_cast<size_t>(20 - cells), '.') + "] ";
        }
        line += entry_ + " step " + std::to_string(done) + "/" + std::to_string(totalSteps_) +
                " epoch " + std::to_string(b.epoch) + "  loss " + fmtNum(loss);
        if (terms.size() > 1) {
          line += " (";
          for (size_t i = 0; i < terms.size(); ++i)
            line += (i ? " " : "") + terms[i].first.substr(5) + " " + fmtNum(terms[i].second);
          line += ")";
        }
        line += "  lr " + fmtNum(lr, 3) + "  " + fmtNum(static_cast<double>(batch_) / avg, 3) +
                " img/s  ETA " + fmtDuration(avg * static_cast<double>(totalSteps_ - done));
        progress_.status(line);
      }
      res.stepsDone = done;
      res.lastLoss = loss;
      if (done == totalSteps_) break;
      const bool stop = o_.stop && o_.stop->load();
      if (stop || (ckptEvery_ > 0 && done % ckptEvery_ == 0)) {
        LLIE_RETURN_IF_ERROR(writeCheckpoint(done, loss));
        res.lastCheckpoint = (fs::path(outDir_) / "last.safetensors").string();
        progress_.message(
            "checkpoint at step " + std::to_string(done) + " -> " +
            (fs::path(outDir_) / ("checkpoint-" + std::to_string(done) + ".safetensors")).string());
      }
      if (stop) {
        res.interrupted = true;
        progress_.message("stopped at step " + std::to_string(done) + " of " +
                          std::to_string(totalSteps_) + "; continue with --resume " +
                          res.lastCheckpoint);
        return Status::ok();
      }
      if (evalEvery_ > 0 && done % evalEvery_ == 0) LLIE_RETURN_IF_ERROR(evalAndLog(done));
    }
    LLIE_RETURN_IF_ERROR(writeCheckpoint(totalSteps_, loss));
    res.lastCheckpoint = (fs::path(outDir_) / "last.safetensors").string();
    LLIE_RETURN_IF_ERROR(evalAndLog(totalSteps_));
    TensorFile f;
    const Weights trained = exec_->readWeights();
    if (inferModel_) {
      f.tensors = inferenceWeights(trained);
      f.metadata["model"] = inferModel_->graph.entry;
    } else {
      for (auto& [name, t] : trained)
        if (name.rfind("opt.", 0) != 0) f.tensors[name] = t;
    }
    f.metadata["trained_with"] = entry_;
    f.metadata["model_hash"] = trainModel_->sourceHash;
    f.metadata["step"] = std::to_string(totalSteps_);
    res.weightsPath = (fs::path(outDir_) / "weights.safetensors").string();
    LLIE_RETURN_IF_ERROR(writeSafetensors(res.weightsPath, f));
    logRecord(ojson{{"type", "end"}, {"step", totalSteps_}, {"weights", res.weightsPath}});
    progress_.message("done: " + std::to_string(totalSteps_) + " steps, final loss " +
                      fmtNum(loss) + "; weights -> " + res.weightsPath);
    return Status::ok();
  };
  Status st = body();
  progress_.finish();
  if (!st) return st;
  return res;
}

} // namespace

Expected<TrainResult> train(SourceManager& sm, const TrainOptions& options) {
  Run run(sm, options);
  LLIE_RETURN_IF_ERROR(run.setup());
  return run.loop();
}

} // namespace llie
