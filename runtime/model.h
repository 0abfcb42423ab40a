// From a .llie file or a compiled plan to something that enhances images. compileModel() runs
// the front end (parse, elaborate), the entry's pass pipeline and the verifier; plans are the
// compiled graph as JSON with the source's hash; Enhancer pads any image to the model's
// divisibility, runs it through an executor specialised for that padded shape (cached, so a new
// resolution is a re-plan, not a recompile) and crops the result back.
#pragma once
#include "backends/backend.h"
#include "compiler/frontend/elaborate.h"
#include "compiler/passes/pass_manager.h"
#include "runtime/executor.h"
#include "runtime/weights.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llie {

struct CompiledModel {
  Graph graph;
  std::string sourcePath;
  std::string sourceHash; ///< FNV-1a of every source file's text, hex
};

struct CompileOptions {
  ElaborateOptions elab;
  std::vector<std::string> searchPaths; ///< for imports, after the importing file's folder
  /// Run the entry's pipeline (inferencePipeline(): fold-batchnorm, fuse-epilogue, cse,
  /// fuse-elementwise and dead-code elimination; trainEntryPipeline()); off for `--emit ir`.
  bool optimize = true;
  /// A train entry becomes its whole training step (trainEntryPipeline(), then
  /// buildTrainingStep()) instead of the entry as written: what llie-compile shows for
  /// `--emit ir-opt` and `dot`.
  bool trainingStep = false;
  /// Dumps, verification, a stop and timing for the pipeline that makes the result (the
  /// training pipeline when trainingStep applies).
  PassOptions passes;
};

/// Folders searched for imports by default: $LLIE_PATH (colon-separated), then the models/
/// folder llie was built from.
std::vector<std::string> defaultSearchPaths();

/// Diagnostics refer to files registered in `sm`; render them with renderStatus(sm, ...).
Expected<CompiledModel> compileModel(SourceManager& sm, const std::string& path,
                                     const CompileOptions& opt);
Status savePlan(const std::string& path, const CompiledModel& m, const SourceManager& sm);
Expected<CompiledModel> loadPlan(SourceManager& sm, const std::string& path);
/// A .llie file is compiled; anything else is read as a plan.
Expected<CompiledModel> loadModel(SourceManager& sm, const std::string& path,
                                  const CompileOptions& opt);

/// Runs an image model: its first input is the image [N, 3, H, W], its first output the result.
class Enhancer {
public:
  Enhancer(const CompiledModel& m, Backend& backend, Weights weights)
      : model_(m), backend_(backend), weights_(std::move(weights)) {}
  /// [1, 3, H, W] in [0, 1] -> the model's output at the same H x W.
  Expected<HostTensor> enhance(const HostTensor& image);
  /// Runs the graph on exactly this input shape (no padding); all outputs by name.
  Expected<std::map<std::string, HostTensor>> runRaw(const HostTensor& input);
  /// The executor for one input shape, created on first use.
  Expected<Executor*> executorFor(const std::vector<int64_t>& shape);
  size_t plansCached() const { return cache_.size(); }
  /// Profiles every run of every executor, cached or made later (nullptr: stop profiling).
  void setProfiler(Profiler* p);
  std::string inputName() const;

private:
  const CompiledModel& model_;
  Backend& backend_;
  Weights weights_;
  static constexpr size_t kMaxCachedShapes = 3;
  std::map<std::vector<int64_t>, std::unique_ptr<Executor>> cache_;
  std::vector<std::vector<int64_t>> lru_; ///< cached shapes, oldest first
  Profiler* profiler_ = nullptr;
};

} // namespace llie
