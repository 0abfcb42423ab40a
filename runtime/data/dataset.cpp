// Paired and unpaired image folders for training: listing, stem matching and the error
// messages for a malformed dataset (see dataset.h).
#include "runtime/data/dataset.h"

#include "runtime/image_io.h"

#include <filesystem>
#include <map>

namespace llie::data {

namespace fs = std::filesystem;

std::string sizeString(const HostTensor& t) {
  if (t.shape.size() < 2) return "(empty)";
  return std::to_string(t.shape.back()) + "x" + std::to_string(t.shape[t.shape.size() - 2]);
}

namespace {

/// stem -> path for the images of one folder, with clear errors.
Expected<std::map<std::string, std::string>> stems(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error("dataset folder '" + dir + "' does not exist");
  auto files = listImages(dir);
  if (!files.ok())
    return Status::error("dataset folder '" + dir + "' holds no image (.png, .jpg, .jpeg, .bmp)");
  std::map<std::string, std::string> out;
  for (auto& f : *files) {
    std::string stem = fs::path(f).stem().string();
    auto [it, inserted] = out.emplace(stem, f);
    if (!inserted)
      return Status::error("dataset folder '" + dir + "' has two images named '" + stem +
                           "': " + fs::path(it->second).filename().string() + " and " +
                           fs::path(f).filename().string());
  }
  return out;
}

std::string listSome(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 10; ++i)
    s += (i ? ", " : "") + v[i];
  if (v.size() > 10) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

} // namespace

Expected<PairedDataset> PairedDataset::open(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error("dataset folder '" + dir + "' does not exist");
  std::string lowDir = (fs::path(dir) / "low").string(), highDir = (fs::path(dir) / "high").string();
  LLIE_ASSIGN_OR_RETURN(auto low, stems(lowDir));
  LLIE_ASSIGN_OR_RETURN(auto high, stems(highDir));
  std::vector<std::string> onlyLow, onlyHigh;
  for (auto& [s, p] : low)
    if (!high.count(s)) onlyLow.push_back(s);
  for (auto& [s, p] : high)
    if (!low.count(s)) onlyHigh.push_back(s);
  if (!onlyLow.empty() || !onlyHigh.empty()) {
    std::string msg = "paired dataset '" + dir + "': images without a partner (matched by name)";
    std::vector<std::string> hints;
    if (!onlyLow.empty()) hints.push_back("only in low/: " + listSome(onlyLow));
    if (!onlyHigh.empty()) hints.push_back("only in high/: " + listSome(onlyHigh));
    msg += ": " + (hints.size() == 2 ? hints[0] + "; " + hints[1] : hints[0]);
    return Status::error(msg);
  }
  PairedDataset d;
  for (auto& [s, p] : low) {
    d.names_.push_back(s);
    d.low_.push_back(p);
    d.high_.push_back(high[s]);
  }
  return d;
}

Expected<Sample> PairedDataset::load(size_t i) const {
  LLIE_ASSIGN_OR_RETURN(HostTensor low, loadImage(low_[i]));
  LLIE_ASSIGN_OR_RETURN(HostTensor high, loadImage(high_[i]));
  if (low.shape != high.shape)
    return Status::error("pair '" + names_[i] + "': sizes differ: " + low_[i] + " is " +
                         sizeString(low) + ", " + high_[i] + " is " + sizeString(high));
  return Sample{std::move(low), std::move(high), names_[i]};
}

Expected<UnpairedDataset> UnpairedDataset::open(const std::string& dir) {
  LLIE_ASSIGN_OR_RETURN(auto files, stems(dir));
  UnpairedDataset d;
  for (auto& [s, p] : files) {
    d.names_.push_back(s);
    d.paths_.push_back(p);
  }
  return d;
}

Expected<Sample> UnpairedDataset::load(size_t i) const {
  LLIE_ASSIGN_OR_RETURN(HostTensor img, loadImage(paths_[i]));
  return Sample{std::move(img), HostTensor{}, names_[i]};
}

} // namespace llie::data
