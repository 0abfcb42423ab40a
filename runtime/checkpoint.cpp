// Training checkpoints (see checkpoint.h): the metadata encoding (every field a string; doubles
// with 17 significant digits so they read back bit for bit), the data checksum, and the checks
// that refuse a corrupt file or one from another model before anything is loaded.
#include "runtime/checkpoint.h"
#include "runtime/rng.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <set>

namespace llie {

namespace {

constexpr const char* kFormat = "llie-checkpoint";

/// The metadata keys this module owns (everything else goes to CheckpointMeta::extra).
const std::set<std::string>& ownKeys() {
  static const std::set<std::string> k = {"format",
                                          "format_version",
                                          "model_hash",
                                          "entry",
                                          "step",
                                          "epoch",
                                          "total_steps",
                                          "lr",
                                          "batch",
                                          "crop",
                                          "seed",
                                          "data_position",
                                          "data_fingerprint",
                                          "rng_state",
                                          "checksum"};
  return k;
}

std::string fmtDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string shapeStr(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

template <class T> bool parseInt(const std::string& s, T& out) {
  const char* e = s.data() + s.size();
  auto r = std::from_chars(s.data(), e, out);
  return r.ec == std::errc() && r.ptr == e && !s.empty();
}

} // namespace

std::string CheckpointMeta::rngState() const {
  return "data:" + std::to_string(seed) + ":" + std::to_string(dataPosition);
}

std::string tensorChecksum(const Weights& tensors) {
  uint64_t h = 0xCBF29CE484222325ull;
  auto mixBytes = [&](const void* p, size_t n) {
    const unsigned char* c = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= c[i];
      h *= 0x100000001B3ull;
    }
  };
  for (auto& [name, t] : tensors) { // std::map: name order
    mixBytes(name.data(), name.size() + 1);
    const uint8_t dt = static_cast<uint8_t>(t.dtype);
    mixBytes(&dt, 1);
    for (int64_t d : t.shape)
      mixBytes(&d, sizeof d);
    mixBytes(t.storage.data(), t.storage.size());
  }
  return hex64(h);
}

Status saveCheckpoint(const std::string& path, const Checkpoint& c) {
  TensorFile f;
  f.tensors = c.tensors;
  const CheckpointMeta& m = c.meta;
  auto& md = f.metadata;
  for (auto& [k, v] : m.extra)
    if (!ownKeys().count(k)) md[k] = v;
  md["format"] = kFormat;
  md["format_version"] = std::to_string(m.formatVersion);
  md["model_hash"] = m.modelHash;
  md["entry"] = m.entry;
  md["step"] = std::to_string(m.step);
  md["epoch"] = std::to_string(m.epoch);
  md["total_steps"] = std::to_string(m.totalSteps);
  md["lr"] = fmtDouble(m.lr);
  md["batch"] = std::to_string(m.batch);
  md["crop"] = std::to_string(m.crop);
  md["seed"] = std::to_string(m.seed);
  md["data_position"] = std::to_string(m.dataPosition);
  md["data_fingerprint"] = m.dataFingerprint;
  md["rng_state"] = m.rngState();
  md["checksum"] = tensorChecksum(c.tensors);
  return writeSafetensors(path, f);
}

Expected<Checkpoint> loadCheckpoint(const std::string& path) {
  auto refuse = [&](const std::string& what, std::vector<std::string> hints = {}) {
    return Status::error("checkpoint '" + path + "': " + what, {}, std::move(hints));
  };
  auto file = readSafetensors(path);
  if (!file) {
    // readSafetensors names the file as a "weights file"; say checkpoint instead.
    std::string msg = file.status().message();
    const std::string prefix = "weights file '" + path + "': ";
    if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    return refuse(msg);
  }
  auto& md = file->metadata;
  auto get = [&](const char* k) -> const std::string* {
    auto it = md.find(k);
    return it == md.end() ? nullptr : &it->second;
  };
  const std::string* fmt = get("format");
  if (!fmt || *fmt != kFormat)
    return refuse(
        "not an llie training checkpoint (its metadata has no format \"llie-checkpoint\")",
        {"checkpoints are the checkpoint-<step>.safetensors and last.safetensors files "
         "that `llie-run MODEL train` writes; a weights file goes to --weights"});
  Checkpoint c;
  CheckpointMeta& m = c.meta;
  std::vector<std::string> bad;
  auto need = [&](const char* k) -> std::string {
    const std::string* v = get(k);
    if (!v) bad.push_back(std::string(k) + " (missing)");
    return v ? *v : std::string();
  };
  auto needInt = [&](const char* k, auto& out) {
    std::string v = need(k);
    if (!v.empty() && !parseInt(v, out)) bad.push_back(std::string(k) + " = '" + v + "'");
  };
  needInt("format_version", m.formatVersion);
  if (bad.empty() && m.formatVersion != kCheckpointFormatVersion)
    return refuse("format version " + std::to_string(m.formatVersion) +
                  ", this llie reads version " + std::to_string(kCheckpointFormatVersion));
  m.modelHash = need("model_hash");
  m.entry = need("entry");
  needInt("step", m.step);
  needInt("epoch", m.epoch);
  needInt("total_steps", m.totalSteps);
  needInt("batch", m.batch);
  needInt("crop", m.crop);
  needInt("seed", m.seed);
  needInt("data_position", m.dataPosition);
  m.dataFingerprint = need("data_fingerprint");
  {
    std::string v = need("lr");
    char* end = nullptr;
    m.lr = std::strtod(v.c_str(), &end);
    if (!v.empty() && (end != v.c_str() + v.size())) bad.push_back("lr = '" + v + "'");
  }
  std::string rng = need("rng_state");
  std::string sum = need("checksum");
  if (!bad.empty()) {
    std::string list;
    for (auto& b : bad)
      list += (list.empty() ? "" : ", ") + b;
    return refuse("corrupt metadata: " + list);
  }
  if (m.step < 0 || m.totalSteps < 0 || m.batch < 1 || m.crop < 1 || m.dataPosition < 0)
    return refuse("corrupt metadata: a negative step/position or an empty batch/crop");
  if (rng != m.rngState())
    return refuse("corrupt metadata: rng_state '" + rng +
                  "' disagrees with seed and data_position");
  std::string actual = tensorChecksum(file->tensors);
  if (actual != sum)
    return refuse("the tensor data is corrupt (checksum " + actual + ", the file says " + sum + ")",
                  {"use an earlier checkpoint-<step>.safetensors of the run"});
  for (auto& [k, v] : md)
    if (!ownKeys().count(k)) m.extra[k] = v;
  c.tensors = std::move(file->tensors);
  return c;
}

Status checkCheckpointMatches(const Checkpoint& c, const Graph& g, const std::string& modelHash,
                              const std::string& entry, const std::string& path) {
  std::vector<std::string> hints;
  std::vector<std::string> missing, wrong, unexpected;
  std::set<std::string> known;
  for (const Node& n : g.nodes) {
    if (n.dead || (n.op != OpKind::Param && n.op != OpKind::State)) continue;
    const std::string& name = attrsOf<ParamAttrs>(n).name;
    known.insert(name);
    const TensorType& ty = g.type(n.outputs[0]);
    std::vector<int64_t> want;
    bool concrete = shapeIsConst(ty.shape);
    if (concrete) want = concreteShape(ty);
    auto it = c.tensors.find(name);
    if (it == c.tensors.end())
      missing.push_back(name + (concrete ? " " + shapeStr(want) : ""));
    else if ((concrete && it->second.shape != want) || it->second.dtype != ty.dtype)
      wrong.push_back(name + ": checkpoint has " + dtypeName(it->second.dtype) +
                      shapeStr(it->second.shape) + ", model needs " + dtypeName(ty.dtype) +
                      (concrete ? shapeStr(want) : std::string("[symbolic]")));
  }
  for (auto& [name, t] : c.tensors)
    if (!known.count(name)) unexpected.push_back(name + " " + shapeStr(t.shape));
  std::sort(missing.begin(), missing.end());
  std::sort(wrong.begin(), wrong.end());
  const bool entryDiffers = c.meta.entry != entry;
  const bool hashDiffers = c.meta.modelHash != modelHash;
  if (!entryDiffers && !hashDiffers && missing.empty() && wrong.empty() && unexpected.empty())
    return Status::ok();
  if (entryDiffers)
    hints.push_back("train entry: the checkpoint is from '" + c.meta.entry + "', this run is '" +
                    entry + "'");
  if (hashDiffers)
    hints.push_back("model source hash: the checkpoint was written for sources " +
                    c.meta.modelHash + ", the model's sources now hash to " + modelHash +
                    " (the .llie file or an import changed)");
  auto list = [&](const char* what, const std::vector<std::string>& v) {
    if (!v.empty()) hints.push_back(namesHint(what, v));
  };
  list("missing from the checkpoint", missing);
  list("wrong shape", wrong);
  list("in the checkpoint but not in the model", unexpected);
  if (missing.empty() && wrong.empty() && unexpected.empty())
    hints.push_back("to start a new run from this checkpoint's weights, pass it to --weights "
                    "instead of --resume (the optimizer state and position start afresh)");
  return Status::error("checkpoint '" + path + "' is not from this model ('" + entry + "')", {},
                       hints);
}

} // namespace llie
