// safetensors: exact format, round trips, files written the way Python's `safetensors` writes
// them (built here byte by byte from the spec), and one clear error per kind of corruption.
#include "runtime/safetensors.h"

#include "tests/runtime/tmp_dir.h"

#include <csignal>
#include <cstring>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>
#include <sys/resource.h>

using namespace llie;
using llie::testing::readAll;
using llie::testing::TmpDir;
using llie::testing::writeAll;

namespace {

template <class T> HostTensor makeTensor(std::vector<int64_t> shape, DType dt, std::vector<T> v) {
  HostTensor t(std::move(shape), dt);
  EXPECT_EQ(t.storage.size(), v.size() * sizeof(T));
  std::memcpy(t.storage.data(), v.data(), t.storage.size());
  return t;
}

/// A safetensors file from a header text and a data buffer, the header padded to 8 bytes.
std::string buildFile(std::string header, const std::string& data, bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(n >> (8 * i));
  return out + header + data;
}

template <class T> std::string bytesOf(std::vector<T> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

/// Reads `bytes` as a file and returns the error message ("" if it was accepted).
std::string errorFor(const TmpDir& tmp, const std::string& bytes) {
  std::string p = tmp.path("bad.safetensors");
  writeAll(p, bytes);
  auto r = readSafetensors(p);
  if (r.ok()) return "";
  std::string m = r.status().message();
  EXPECT_EQ(m.rfind("weights file '" + p + "': ", 0), 0u) << m;
  return m;
}

} // namespace

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  TmpDir tmp;
  TensorFile f;
  f.tensors["conv.weight"] =
      makeTensor<float>({2, 1, 1, 3}, DType::F32, {1, -2, 3.5f, 0, 1e-8f, 7});
  f.tensors["a.f64"] = makeTensor<double>({2}, DType::F64, {0.1, -1e300});
  f.tensors["bn.num_batches_tracked"] = makeTensor<int64_t>({}, DType::I64, {123456789012345});
  f.tensors["idx"] = makeTensor<int32_t>({3}, DType::I32, {-1, 0, 2147483647});
  f.tensors["mask"] = makeTensor<uint8_t>({2, 2}, DType::Bool, {1, 0, 0, 1});
  f.tensors["empty"] = HostTensor({0, 3});
  f.metadata = {{"format", "pt"}, {"model", "zero_dce"}};
  std::string p = tmp.path("w.safetensors");
  Status s = writeSafetensors(p, f);
  ASSERT_TRUE(s.isOk()) << s.message();

  auto r = readSafetensors(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->metadata, f.metadata);
  ASSERT_EQ(r->tensors.size(), f.tensors.size());
  for (const auto& [name, t] : f.tensors) {
    const HostTensor& u = r->tensors.at(name);
    EXPECT_EQ(u.dtype, t.dtype) << name;
    EXPECT_EQ(u.shape, t.shape) << name;
    EXPECT_EQ(u.storage, t.storage) << name;
  }

  // Layout: header length a multiple of 8, metadata first, tensors in name order, packed data.
  std::string bytes = readAll(p);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(
      header.rfind("{\"__metadata__\":{\"format\":\"pt\",\"model\":\"zero_dce\"},\"a.f64\":", 0),
      0u)
      << header;
  auto j = nlohmann::ordered_json::parse(header);
  std::vector<std::string> keys;
  uint64_t expect = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    keys.push_back(it.key());
    if (it.key() == "__metadata__") continue;
    EXPECT_EQ(it.value()["data_offsets"][0].get<uint64_t>(), expect) << it.key();
    expect = it.value()["data_offsets"][1].get<uint64_t>();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"__metadata__", "a.f64", "bn.num_batches_tracked",
                                            "conv.weight", "empty", "idx", "mask"}));
  EXPECT_EQ(bytes.size(), 8 + n + expect);
  EXPECT_EQ(j["mask"]["dtype"], "BOOL");
  EXPECT_EQ(j["bn.num_batches_tracked"]["shape"], nlohmann::json::array());
}

TEST(Safetensors, ReadsAFileLaidOutLikePythonsWriter) {
  // What safetensors.torch.save_file({"bias": f32[2], "weight": f16[2,2], "scale": bf16[2]},
  // metadata={"format": "pt"}) produces: compact JSON, __metadata__ first, padded with spaces.
  TmpDir tmp;
  std::string header =
      R"({"__metadata__":{"format":"pt"},"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("weight":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]},)"
      R"("scale":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}})";
  std::string data = bytesOf<float>({0.25f, -3.0f}) +
                     bytesOf<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001}) + // 1, -2, 65504, 2^-24
                     bytesOf<uint16_t>({0x3F80, 0xC040, 0x7F80});          // 1, -3, +inf
  std::string p = tmp.path("py.safetensors");
  writeAll(p, buildFile(header, data));
  auto r = readSafetensors(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->metadata.at("format"), "pt");
  const HostTensor& b = r->tensors.at("bias");
  EXPECT_EQ(b.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(b.f32()[0], 0.25f);
  EXPECT_EQ(b.f32()[1], -3.0f);
  const HostTensor& w = r->tensors.at("weight");
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(w.f32()[0], 1.0f);
  EXPECT_EQ(w.f32()[1], -2.0f);
  EXPECT_EQ(w.f32()[2], 65504.0f);
  EXPECT_EQ(w.f32()[3], std::ldexp(1.0f, -24));
  const HostTensor& s = r->tensors.at("scale");
  EXPECT_EQ(s.f32()[0], 1.0f);
  EXPECT_EQ(s.f32()[1], -3.0f);
  EXPECT_TRUE(std::isinf(s.f32()[2]));

  // The same without padding and with whitespace inside the JSON is accepted too.
  writeAll(p, buildFile(R"({ "x" : { "dtype":"F32", "shape":[1], "data_offsets":[0,4] } })",
                        bytesOf<float>({2.0f}), false));
  auto r2 = readSafetensors(p);
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  EXPECT_EQ(r2->tensors.at("x").f32()[0], 2.0f);
}

TEST(Safetensors, EachCorruptionHasItsOwnMessage) {
  TmpDir tmp;
  auto has = [&](const std::string& bytes, const std::string& needle) {
    std::string m = errorFor(tmp, bytes);
    EXPECT_NE(m.find(needle), std::string::npos) << "expected '" << needle << "' in: '" << m << "'";
  };
  const std::string f8 = bytesOf<float>({1, 2});
  auto one = [](const std::string& entry) { return std::string(R"({"t":)") + entry + "}"; };

  EXPECT_NE(errorFor(tmp, "").find("only 0 bytes, too short"), std::string::npos);
  has(std::string("\x10\0\0", 3), "only 3 bytes, too short");
  has(std::string("\xff\0\0\0\0\0\0\0{}", 10), "header length 255 is larger than the rest");
  has(std::string("\0\0\0\0\0\0\0\x80{}", 10), "is larger than the rest of the file");
  has(buildFile("{\"t\": [1,", ""), "header is not valid JSON");
  has(buildFile("[1, 2]", ""), "header is not a JSON object");
  has(buildFile(one("3"), ""), "tensor 't': entry is not a JSON object");
  has(buildFile(one(R"({"shape":[2],"data_offsets":[0,8]})"), f8), "tensor 't': missing \"dtype\"");
  has(buildFile(one(R"({"dtype":"F32","data_offsets":[0,8]})"), f8), "missing \"shape\"");
  has(buildFile(one(R"({"dtype":"F32","shape":[2]})"), f8), "missing \"data_offsets\"");
  has(buildFile(one(R"({"dtype":7,"shape":[2],"data_offsets":[0,8]})"), f8),
      "\"dtype\" is not a string");
  has(buildFile(one(R"({"dtype":"Q7","shape":[2],"data_offsets":[0,8]})"), f8),
      "unsupported dtype 'Q7'");
  has(buildFile(one(R"({"dtype":"U8","shape":[8],"data_offsets":[0,8]})"), f8),
      "unsupported dtype 'U8'");
  has(buildFile(one(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), f8),
      "\"shape\" must hold non-negative integers");
  has(buildFile(one(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"), f8),
      "\"shape\" must hold non-negative integers");
  has(buildFile(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})"), f8),
      "\"data_offsets\" must be an array of two integers");
  has(buildFile(one(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"), f8),
      "data_offsets [8, 0] end before they begin");
  has(buildFile(one(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), f8),
      "tensor 't': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8");
  has(buildFile(one(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})"), f8),
      "needs more than 2^62 bytes");
  has(buildFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                f8 + bytesOf<float>({3})),
      "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
  has(buildFile(one(R"({"dtype":"F32","shape":[2],"data_offsets":[100,108]})"), f8),
      "tensor 't' data_offsets [100, 108] are out of range: the data buffer has 8 bytes");
  has(buildFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                f8 + bytesOf<float>({3})),
      "data bytes [4, 8] belong to no tensor");
  has(buildFile(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), f8 + "junk"),
      "4 bytes after the last tensor's data are not described by the header");
  has(buildFile(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), f8.substr(0, 5)),
      "file is truncated: tensor 't' needs data bytes [0, 8] but only 5 bytes");
  has(buildFile(R"({"__metadata__":{"format":1}})", ""),
      "\"__metadata__\" value of 'format' is not a string");
  has(buildFile(R"({"__metadata__":[1]})", ""), "\"__metadata__\" is not a JSON object");

  auto missing = readSafetensors(tmp.path("nope.safetensors"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "weights file '" + tmp.path("nope.safetensors") + "': no such file");
  auto dir = readSafetensors(tmp.dir().string());
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
}

TEST(Safetensors, EveryTruncationIsRefusedAndCorruptHeadersNeverCrash) {
  TmpDir tmp;
  TensorFile f;
  f.tensors["w"] = makeTensor<float>({2, 3}, DType::F32, {1, 2, 3, 4, 5, 6});
  f.tensors["b"] = makeTensor<double>({1}, DType::F64, {9});
  std::string p = tmp.path("ok.safetensors");
  ASSERT_TRUE(writeSafetensors(p, f).isOk());
  const std::string good = readAll(p);
  for (size_t cut = 0; cut < good.size(); ++cut)
    EXPECT_NE(errorFor(tmp, good.substr(0, cut)), "") << "prefix of " << cut << " bytes accepted";
  const std::string cutData = errorFor(tmp, good.substr(0, good.size() - 3));
  EXPECT_NE(cutData.find("file is truncated"), std::string::npos) << cutData;

  // Random byte flips in the header: any outcome but a crash is fine.
  std::mt19937 gen(1234);
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k)
      bad[8 + gen() % 80] = static_cast<char>(gen());
    (void)errorFor(tmp, bad);
  }
}

TEST(Safetensors, RefusedWritesLeaveTheOldFileIntact) {
  TmpDir tmp;
  std::string p = tmp.path("w.safetensors");
  TensorFile f;
  f.tensors["w"] = makeTensor<float>({2}, DType::F32, {1, 2});
  ASSERT_TRUE(writeSafetensors(p, f).isOk());
  const std::string before = readAll(p);

  TensorFile bad = f;
  bad.tensors["broken"] = HostTensor({4});
  bad.tensors["broken"].storage.resize(3);
  Status s = writeSafetensors(p, bad);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("tensor 'broken': storage holds 3 bytes but shape [4] needs 16"),
            std::string::npos)
      << s.message();
  TensorFile cplx;
  cplx.tensors["z"] = HostTensor({2}, DType::C64);
  Status c = writeSafetensors(p, cplx);
  ASSERT_FALSE(c.isOk());
  EXPECT_NE(c.message().find("dtype c64 cannot be stored"), std::string::npos) << c.message();
  EXPECT_EQ(readAll(p), before);

  // A genuine I/O failure half-way (file size limit -> EFBIG).
  TensorFile big;
  big.tensors["big"] = HostTensor({1 << 20}); // 4 MiB
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit lim = old;
  lim.rlim_cur = 1 << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  Status io = writeSafetensors(p, big);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
  ASSERT_FALSE(io.isOk());
  EXPECT_NE(io.message().find("cannot write '" + p + "'"), std::string::npos) << io.message();
  EXPECT_EQ(readAll(p), before);
  EXPECT_EQ(tmp.entries(), std::vector<std::string>{"w.safetensors"});
  auto r = readSafetensors(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tensors.at("w").f32()[1], 2.0f);
}
