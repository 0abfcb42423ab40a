// A training run, what `llie-run MODEL train` does. The .llie file's train entry is compiled and
// turned into one training-step graph (forward, losses, gradients, optimizer update; see
// compiler/autodiff/training_step.h), specialised to [batch, 3, crop, crop] and run once per
// batch from the deterministic data loader, with the learning rate of the schedule. Around the
// loop: a progress line, a JSON-lines log for plotting (OUT/log.jsonl), periodic evaluation of
// the file's inference model (its first `model` entry) with the current weights on held-out
// pairs (PSNR/SSIM, also before the first step), atomic checkpoints that resume bit for bit
// (runtime/checkpoint.h), and the final inference weights OUT/weights.safetensors.
//
// Everything that can refuse the run (the model, the data, a checkpoint of another model, an
// output folder holding another run) is checked before the first file is written.
#pragma once
#include "compiler/support/diagnostics.h"
#include "compiler/support/status.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace llie {

class Profiler;

/// The settings of a run. Unset optionals take the train entry's TrainConfig (Graph::train).
struct TrainOptions {
  std::string model; ///< a .llie file
  std::string entry; ///< the train entry; "" = the first train entry of the file
  std::string data;  ///< DIR/low + DIR/high, or DIR/train (+ DIR/val) of such
  std::string val;   ///< held-out DIR/low + DIR/high; "" = DATA/val when present
  std::optional<int64_t> steps, epochs, batch, crop, evalEvery, checkpointEvery;
  std::optional<double> lr;     ///< the base learning rate (the schedule scales it)
  std::optional<uint64_t> seed; ///< initial weights and data stream; default 0
  bool deterministic = false;   ///< one OpenMP thread, deterministic kernels: bit-identical runs
  std::string out;              ///< the run folder; "" = runs/<entry>, or the folder of `resume`
  bool overwrite = false;       ///< allow a fresh run into a folder that holds one already
  std::string resume;           ///< a checkpoint to continue from
  std::string weights;          ///< initial weights (inference weights or a checkpoint)
  std::string backend = "cpu";
  int64_t evalMax = 0; ///< evaluate on the first N held-out pairs only (0 = all)
  std::vector<std::string> searchPaths;
  /// Compile-time parameter overrides (--set k=v): each goes to the train entry, and to the
  /// evaluated model when it has a parameter of that name (e.g. a width both share).
  std::map<std::string, std::string> overrides;
  std::ostream* progress = nullptr; ///< where progress goes (nullptr = nowhere)
  bool live = false;                ///< progress is a terminal: one line, redrawn
  int columns = 0;                  ///< the terminal's width (live lines are cut to it); 0 = any
  /// Polled at every step boundary; once true the run writes a checkpoint and stops.
  const std::atomic<bool>* stop = nullptr;
  /// When set, every run of the training-step executor is profiled into it (evaluation is not).
  Profiler* profiler = nullptr;
};

struct TrainResult {
  std::string outDir;
  int64_t stepsDone = 0, totalSteps = 0;
  bool interrupted = false; ///< stopped by `stop` (a checkpoint was written)
  double lastLoss = 0.0;
  std::string lastCheckpoint; ///< OUT/last.safetensors ("" when none was written)
  std::string weightsPath;    ///< OUT/weights.safetensors when the run finished
};

/// The first `train` entry of the file (imports are not searched).
Expected<std::string> firstTrainEntry(SourceManager& sm, const std::string& path,
                                      const std::vector<std::string>& searchPaths);

/// Runs (or resumes) training. Diagnostics refer to files registered in `sm`.
Expected<TrainResult> train(SourceManager& sm, const TrainOptions& options);

} // namespace llie
