// Training data on disk: a paired set (folders low/ and high/ whose images match by file stem,
// the layout of LOL and of scripts/make_dataset.sh) and an unpaired set (every image of one
// folder, for zero-reference training or for normal photos that are darkened synthetically).
// Opening a set only lists files and checks the names; pixels are decoded by load(i), so a
// corrupt or mismatched file is reported when it is first used. All failures are values.
#pragma once
#include "compiler/support/status.h"
#include "runtime/tensor.h"

#include <cstddef>
#include <string>
#include <vector>

namespace llie::data {

/// One training example: images of shape [1, 3, H, W] in [0, 1]. `high` is empty (no shape)
/// for an unpaired set. `name` is the file stem.
struct Sample {
  HostTensor low;
  HostTensor high;
  std::string name;
};

/// What the loader reads from. load() must be safe to call from another thread.
class Dataset {
public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  virtual bool paired() const = 0;
  /// The stem of sample i (i < size()).
  virtual const std::string& name(size_t i) const = 0;
  /// Decodes sample i. Errors name the file (and, for a pair, both sizes when they differ).
  virtual Expected<Sample> load(size_t i) const = 0;
};

/// DIR/low/<stem>.<ext> paired with DIR/high/<stem>.<ext'> (extensions may differ), sorted by
/// stem. Errors: a missing or empty folder, two files with one stem in a folder, and stems
/// present on one side only (all of them listed, up to 10 per side).
class PairedDataset final : public Dataset {
public:
  static Expected<PairedDataset> open(const std::string& dir);
  size_t size() const override { return names_.size(); }
  bool paired() const override { return true; }
  const std::string& name(size_t i) const override { return names_[i]; }
  Expected<Sample> load(size_t i) const override;

private:
  std::vector<std::string> names_, low_, high_;
};

/// Every image of DIR (not recursive), sorted by name; load(i) fills Sample::low only.
class UnpairedDataset final : public Dataset {
public:
  static Expected<UnpairedDataset> open(const std::string& dir);
  size_t size() const override { return names_.size(); }
  bool paired() const override { return false; }
  const std::string& name(size_t i) const override { return names_[i]; }
  Expected<Sample> load(size_t i) const override;

private:
  std::vector<std::string> names_, paths_;
};

/// "WxH" of an image tensor [.., H, W] (for messages).
std::string sizeString(const HostTensor& t);

} // namespace llie::data
