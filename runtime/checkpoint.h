// Training checkpoints: everything a training run needs to continue exactly where it stopped,
// in one safetensors file. The tensors are every parameter and state tensor of the training-step
// graph under their graph names (weights, BatchNorm running statistics, optimizer moments
// "opt.…"); the "__metadata__" map holds the run's position and identity (see CheckpointMeta)
// plus a checksum of every tensor's bytes, so a truncated or corrupted file is refused rather
// than half-loaded. Files are written atomically (temp + fsync + rename), so a checkpoint that
// exists is complete even when the process was killed while writing the next one.
#pragma once
#include "compiler/ir/graph.h"
#include "runtime/weights.h"

#include <cstdint>
#include <map>
#include <string>

namespace llie {

/// Bumped whenever the meaning of a field changes; readers refuse other versions.
inline constexpr int kCheckpointFormatVersion = 1;

/// The run's position and identity, stored as strings in "__metadata__".
struct CheckpointMeta {
  int formatVersion = kCheckpointFormatVersion;
  std::string modelHash;  ///< CompiledModel::sourceHash of the .llie sources
  std::string entry;      ///< the train entry
  int64_t step = 0;       ///< optimizer steps completed
  int64_t epoch = 0;      ///< the epoch of the next batch
  int64_t totalSteps = 0; ///< the run's length (the schedule depends on it)
  double lr = 0.0;        ///< the learning rate of the next step (the schedule position)
  int64_t batch = 0, crop = 0;
  uint64_t seed = 0;           ///< seeds the initial weights and the data stream
  int64_t dataPosition = 0;    ///< index of the next batch in the loader's stream
  std::string dataFingerprint; ///< which samples the stream draws from (see Trainer)
  /// The random state of the run. The loader draws every random choice from streams keyed by
  /// (seed, epoch, position), so (seed, dataPosition) is the whole state; written as
  /// "data:<seed>:<position>" and checked for consistency on read.
  std::string rngState() const;
  /// Other fields (informational, kept as they are: "loss", "model_path", ...).
  std::map<std::string, std::string> extra;
  bool operator==(const CheckpointMeta&) const = default;
};

struct Checkpoint {
  Weights tensors;
  CheckpointMeta meta;
};

/// Writes `c` to `path` atomically. Fails (writing nothing) for tensors safetensors cannot hold.
Status saveCheckpoint(const std::string& path, const Checkpoint& c);

/// Reads and validates a checkpoint: a missing file, a truncated or corrupt file (bad header,
/// data not matching the checksum), a file that is not an llie checkpoint, or another format
/// version are refused with a message that says which.
Expected<Checkpoint> loadCheckpoint(const std::string& path);

/// Checks that `c` belongs to this model: the same train entry, the same source hash, and
/// exactly the parameter/state tensors of `stepGraph` with their shapes and dtypes. Every
/// difference is listed in the hints (missing, unexpected and misshapen tensors, both hashes).
Status checkCheckpointMatches(const Checkpoint& c, const Graph& stepGraph,
                              const std::string& modelHash, const std::string& entry,
                              const std::string& path);

/// FNV-1a over every tensor's name, dtype, shape and bytes in name order (hex).
std::string tensorChecksum(const Weights& tensors);

} // namespace llie
