// safetensors reader and writer. The reader checks the header completely before touching the
// data, then reads each tensor straight from its file offset into its own storage (no second
// copy of the buffer). The writer serialises the header with nlohmann::ordered_json and streams
// everything through writeFileAtomic.
#include "runtime/safetensors.h"

#include "runtime/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

namespace llie {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts would need byte swapping");

namespace {

/// The reference implementation's cap on the JSON header.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

enum class FileDType { F32, F64, I32, I64, Bool, F16, BF16 };

struct DTypeInfo {
  FileDType file;
  DType host;       ///< what the tensor becomes in memory
  size_t fileBytes; ///< bytes per element in the file
};

std::optional<DTypeInfo> dtypeInfo(const std::string& s) {
  if (s == "F32") return DTypeInfo{FileDType::F32, DType::F32, 4};
  if (s == "F64") return DTypeInfo{FileDType::F64, DType::F64, 8};
  if (s == "I32") return DTypeInfo{FileDType::I32, DType::I32, 4};
  if (s == "I64") return DTypeInfo{FileDType::I64, DType::I64, 8};
  if (s == "BOOL") return DTypeInfo{FileDType::Bool, DType::Bool, 1};
  if (s == "F16") return DTypeInfo{FileDType::F16, DType::F32, 2};
  if (s == "BF16") return DTypeInfo{FileDType::BF16, DType::F32, 2};
  return std::nullopt;
}

float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) { // zero or subnormal: mant * 2^-24
    float f = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -f : f;
  }
  uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (mant << 13)) // inf / nan
                            : (sign | ((exp + 112u) << 23) | (mant << 13));
  return std::bit_cast<float>(bits);
}

float bf16ToFloat(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

std::string shapeStr(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string rangeStr(uint64_t b, uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

/// A non-negative JSON integer that fits in int64, or nullopt.
std::optional<uint64_t> nonNegInt(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return v;
  }
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if (v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
  }
  return std::nullopt;
}

struct Entry {
  std::string name;
  DTypeInfo dt;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

} // namespace

const char* safetensorsDtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "F32";
  case DType::F64:
    return "F64";
  case DType::I32:
    return "I32";
  case DType::I64:
    return "I64";
  case DType::Bool:
    return "BOOL";
  case DType::C64:
    return nullptr;
  }
  return nullptr;
}

Expected<TensorFile> readSafetensors(const std::string& path) {
  auto fail = [&](const std::string& what) {
    return Status::error("weights file '" + path + "': " + what);
  };
  namespace fs = std::filesystem;
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return fail("no such file");
  if (fs::is_directory(st)) return fail("is a directory, not a file");
  uint64_t fileSize = fs::file_size(path, ec);
  if (ec) return fail("cannot determine its size: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot open: ") + std::strerror(errno));

  if (fileSize < 8)
    return fail("file is only " + std::to_string(fileSize) +
                " bytes, too short for the 8-byte header length (not a safetensors file?)");
  unsigned char lenBytes[8];
  if (!in.read(reinterpret_cast<char*>(lenBytes), 8)) return fail("cannot read the header length");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | lenBytes[i];
  if (headerLen > fileSize - 8)
    return fail("header length " + std::to_string(headerLen) + " is larger than the rest of the " +
                "file (" + std::to_string(fileSize - 8) +
                " bytes): the file is truncated or not a safetensors file");
  if (headerLen > kMaxHeaderBytes)
    return fail("header length " + std::to_string(headerLen) + " exceeds the 100 MB limit");
  if (headerLen < 2) return fail("header is too short to be a JSON object");
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(headerLen)))
    return fail("cannot read the header");
  const uint64_t dataStart = 8 + headerLen;
  const uint64_t dataSize = fileSize - dataStart;

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return fail("header is not a JSON object");

  TensorFile out;
  std::vector<Entry> entries;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const auto& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) return fail("\"__metadata__\" is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          return fail("\"__metadata__\" value of '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string t = "tensor '" + key + "': ";
    if (!v.is_object()) return fail(t + "entry is not a JSON object");
    if (!v.contains("dtype")) return fail(t + "missing \"dtype\"");
    if (!v.contains("shape")) return fail(t + "missing \"shape\"");
    if (!v.contains("data_offsets")) return fail(t + "missing \"data_offsets\"");
    const auto& jd = v["dtype"];
    if (!jd.is_string()) return fail(t + "\"dtype\" is not a string");
    auto dt = dtypeInfo(jd.get<std::string>());
    if (!dt)
      return fail(t + "unsupported dtype '" + jd.get<std::string>() +
                  "' (supported: F32, F64, I32, I64, BOOL, F16, BF16)");
    Entry e{key, *dt, {}, 0, 0};
    const auto& js = v["shape"];
    if (!js.is_array()) return fail(t + "\"shape\" is not an array");
    uint64_t count = 1;
    bool overflow = false;
    for (const auto& d : js) {
      auto n = nonNegInt(d);
      if (!n) return fail(t + "\"shape\" must hold non-negative integers");
      e.shape.push_back(static_cast<int64_t>(*n));
      if (*n != 0 && count > (uint64_t(1) << 62) / *n)
        overflow = true;
      else
        count *= *n;
    }
    const auto& jo = v["data_offsets"];
    if (!jo.is_array() || jo.size() != 2)
      return fail(t + "\"data_offsets\" must be an array of two integers [begin, end]");
    auto b = nonNegInt(jo[0]), en = nonNegInt(jo[1]);
    if (!b || !en) return fail(t + "\"data_offsets\" must hold non-negative integers");
    if (*b > *en) return fail(t + "data_offsets " + rangeStr(*b, *en) + " end before they begin");
    e.begin = *b;
    e.end = *en;
    // A shape whose byte count overflows can never match a real span; count 0 means empty.
    bool zero = std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end();
    if (zero) count = 0, overflow = false;
    if (overflow || count * dt->fileBytes != e.end - e.begin)
      return fail(
          t + "shape " + shapeStr(e.shape) + " of " + jd.get<std::string>() + " needs " +
          (overflow ? std::string("more than 2^62") : std::to_string(count * dt->fileBytes)) +
          " bytes but data_offsets " + rangeStr(e.begin, e.end) + " span " +
          std::to_string(e.end - e.begin));
    entries.push_back(std::move(e));
  }

  // The tensors must tile the data buffer exactly: no overlap, no hole, nothing left over.
  std::vector<const Entry*> order;
  for (const auto& e : entries)
    order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t prevEnd = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : order) {
    if (e->begin < prevEnd)
      return fail("tensor '" + e->name + "' data_offsets " + rangeStr(e->begin, e->end) +
                  " overlap tensor '" + prev->name + "' " + rangeStr(prev->begin, prev->end));
    if (e->end > dataSize) {
      if (e->begin == prevEnd)
        return fail("file is truncated: tensor '" + e->name + "' needs data bytes " +
                    rangeStr(e->begin, e->end) + " but only " + std::to_string(dataSize) +
                    " bytes of data follow the header");
      return fail("tensor '" + e->name + "' data_offsets " + rangeStr(e->begin, e->end) +
                  " are out of range: the data buffer has " + std::to_string(dataSize) + " bytes");
    }
    if (e->begin > prevEnd)
      return fail("data bytes " + rangeStr(prevEnd, e->begin) +
                  " belong to no tensor (a hole before tensor '" + e->name + "')");
    prevEnd = e->end;
    prev = e;
  }
  if (prevEnd < dataSize)
    return fail(std::to_string(dataSize - prevEnd) + " bytes after the last tensor's data are " +
                "not described by the header");

  // Read each tensor from its offset.
  std::vector<uint8_t> scratch;
  for (const Entry& e : entries) {
    HostTensor ht(e.shape, e.dt.host);
    const size_t n = static_cast<size_t>(e.end - e.begin);
    in.seekg(static_cast<std::streamoff>(dataStart + e.begin));
    const bool convert = e.dt.file == FileDType::F16 || e.dt.file == FileDType::BF16;
    uint8_t* dst = ht.storage.data();
    if (convert) {
      scratch.resize(n);
      dst = scratch.data();
    }
    if (n > 0 && !in.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n)))
      return fail("cannot read the data of tensor '" + e.name + "' (file changed or truncated?)");
    if (convert) {
      float* f = ht.f32();
      for (size_t i = 0; i < n / 2; ++i) {
        uint16_t h;
        std::memcpy(&h, scratch.data() + 2 * i, 2);
        f[i] = e.dt.file == FileDType::F16 ? halfToFloat(h) : bf16ToFloat(h);
      }
    } else if (e.dt.file == FileDType::Bool) {
      for (auto& byte : ht.storage)
        byte = byte ? 1 : 0;
    }
    out.tensors.emplace(e.name, std::move(ht));
  }
  return out;
}

Status writeSafetensors(const std::string& path, const TensorFile& file) {
  auto fail = [&](const std::string& what) {
    return Status::error("weights file '" + path + "': " + what);
  };
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata)
      meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    const std::string tn = "tensor '" + name + "': ";
    if (name.empty()) return fail("a tensor has an empty name");
    if (name == "__metadata__")
      return fail("\"__metadata__\" is reserved and cannot name a tensor");
    const char* dn = safetensorsDtypeName(t.dtype);
    if (!dn) return fail(tn + "dtype " + dtypeName(t.dtype) + " cannot be stored in safetensors");
    for (auto d : t.shape)
      if (d < 0) return fail(tn + "negative dimension in shape " + shapeStr(t.shape));
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtypeSize(t.dtype);
    if (t.storage.size() != bytes)
      return fail(tn + "storage holds " + std::to_string(t.storage.size()) + " bytes but shape " +
                  shapeStr(t.shape) + " needs " + std::to_string(bytes));
    nlohmann::ordered_json e;
    e["dtype"] = dn;
    e["shape"] = t.shape;
    e["data_offsets"] = {offset, offset + bytes};
    header[name] = std::move(e);
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("cannot encode the header (names must be UTF-8): ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char lenBytes[8];
  for (int i = 0; i < 8; ++i)
    lenBytes[i] = static_cast<unsigned char>(text.size() >> (8 * i));

  Status s = writeFileAtomic(path, [&](std::ostream& os) {
    os.write(reinterpret_cast<const char*>(lenBytes), 8);
    os.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : file.tensors)
      os.write(reinterpret_cast<const char*>(t.storage.data()),
               static_cast<std::streamsize>(t.storage.size()));
    return Status::ok();
  });
  return s; // its message already names the file
}

} // namespace llie
