// Training checkpoints (runtime/checkpoint.h): every tensor and metadata field survives a round
// trip bit for bit; truncated, corrupted, foreign-format and future-version files are refused
// with a message saying why; a checkpoint of another model (other tensors, other sources, other
// entry) is refused with every difference listed; a failed write leaves the old file untouched.
#include "runtime/checkpoint.h"
#include "runtime/weights.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace llie;
using namespace llie::testing;
namespace fs = std::filesystem;

namespace {

HostTensor filled(std::vector<int64_t> shape, float start, float stepBy) {
  HostTensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = start + stepBy * static_cast<float>(i);
  return t;
}

Checkpoint sample() {
  Checkpoint c;
  c.tensors["conv.weight"] = filled({4, 3, 3, 3}, -0.5f, 0.01f);
  c.tensors["conv.bias"] = filled({4}, 0.125f, -1e-7f);
  c.tensors["bn.running_var"] = filled({4}, 1.f, 0.5f);
  c.tensors["opt.conv.weight.m"] = filled({4, 3, 3, 3}, 1e-30f, 3e-31f); // denormal-ish values
  HostTensor counter({1}, DType::I64);
  int64_t v = (int64_t(1) << 40) + 7;
  std::memcpy(counter.storage.data(), &v, sizeof v);
  c.tensors["opt.count"] = counter;
  CheckpointMeta& m = c.meta;
  m.modelHash = "0123456789abcdef";
  m.entry = "TinyTrain";
  m.step = 1234;
  m.epoch = 41;
  m.totalSteps = 5000;
  m.lr = 1e-4 / 3.0; // not a short decimal: must come back bit for bit
  m.batch = 8;
  m.crop = 128;
  m.seed = 18446744073709551557ull; // near 2^64: must not go through a double
  m.dataPosition = 1234;
  m.dataFingerprint = "30 pairs 00ff00ff00ff00ff";
  m.extra["loss"] = "0.5";
  m.extra["model_path"] = "models/tiny.llie";
  return c;
}

void expectSameTensors(const Weights& a, const Weights& b) {
  ASSERT_EQ(a.size(), b.size());
  for (auto& [name, t] : a) {
    auto it = b.find(name);
    ASSERT_NE(it, b.end()) << name;
    EXPECT_EQ(it->second.dtype, t.dtype) << name;
    EXPECT_EQ(it->second.shape, t.shape) << name;
    EXPECT_EQ(it->second.storage, t.storage) << name; // bytes, so -0.0 and NaN payloads count
  }
}

} // namespace

TEST(Checkpoint, RoundTripKeepsEveryTensorAndField) {
  TmpDir dir;
  Checkpoint c = sample();
  const std::string path = dir.path("ck.safetensors");
  ASSERT_TRUE(saveCheckpoint(path, c));
  auto r = loadCheckpoint(path);
  ASSERT_TRUE(r.ok()) << r.status().message();
  expectSameTensors(c.tensors, r->tensors);
  const CheckpointMeta& m = r->meta;
  EXPECT_EQ(m.formatVersion, kCheckpointFormatVersion);
  EXPECT_EQ(m.modelHash, "0123456789abcdef");
  EXPECT_EQ(m.entry, "TinyTrain");
  EXPECT_EQ(m.step, 1234);
  EXPECT_EQ(m.epoch, 41);
  EXPECT_EQ(m.totalSteps, 5000);
  EXPECT_EQ(m.lr, 1e-4 / 3.0); // exact
  EXPECT_EQ(m.batch, 8);
  EXPECT_EQ(m.crop, 128);
  EXPECT_EQ(m.seed, 18446744073709551557ull);
  EXPECT_EQ(m.dataPosition, 1234);
  EXPECT_EQ(m.dataFingerprint, "30 pairs 00ff00ff00ff00ff");
  EXPECT_EQ(m.rngState(), "data:18446744073709551557:1234");
  EXPECT_EQ(m.extra.at("loss"), "0.5");
  EXPECT_EQ(m.extra.at("model_path"), "models/tiny.llie");
  EXPECT_EQ(m, c.meta);
  // It is an ordinary safetensors file: the metadata can be read by any reader.
  auto raw = readSafetensors(path);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->metadata.at("format"), "llie-checkpoint");
  EXPECT_EQ(raw->metadata.at("step"), "1234");
  EXPECT_EQ(raw->metadata.at("checksum"), tensorChecksum(c.tensors));
  // No temporary is left behind by the atomic write.
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"ck.safetensors"});
}

TEST(Checkpoint, ChecksumSeesEveryByte) {
  Checkpoint c = sample();
  const std::string a = tensorChecksum(c.tensors);
  c.tensors["conv.bias"].storage[3] ^= 1;
  EXPECT_NE(tensorChecksum(c.tensors), a);
  c.tensors["conv.bias"].storage[3] ^= 1;
  EXPECT_EQ(tensorChecksum(c.tensors), a);
  c.tensors["conv.bias"].shape = {2, 2}; // same bytes, other shape
  EXPECT_NE(tensorChecksum(c.tensors), a);
}

TEST(Checkpoint, TruncatedFileIsRefused) {
  TmpDir dir;
  const std::string path = dir.path("ck.safetensors");
  ASSERT_TRUE(saveCheckpoint(path, sample()));
  const std::string bytes = readAll(path);
  // Cut in the data, in the header, and inside the 8-byte length.
  for (size_t keep : {bytes.size() - 1, bytes.size() - 200, size_t(100), size_t(5)}) {
    writeAll(path, bytes.substr(0, keep));
    auto r = loadCheckpoint(path);
    ASSERT_FALSE(r.ok()) << "kept " << keep << " bytes";
    EXPECT_NE(r.status().message().find("checkpoint '" + path + "'"), std::string::npos)
        << r.status().message();
  }
  writeAll(path, bytes.substr(0, bytes.size() - 4));
  EXPECT_NE(loadCheckpoint(path).status().message().find("truncated"), std::string::npos)
      << loadCheckpoint(path).status().message();
}

TEST(Checkpoint, CorruptDataIsRefusedByTheChecksum) {
  TmpDir dir;
  const std::string path = dir.path("ck.safetensors");
  ASSERT_TRUE(saveCheckpoint(path, sample()));
  std::string bytes = readAll(path);
  bytes[bytes.size() - 10] ^= 0x40; // a bit flip in the last tensor's data
  writeAll(path, bytes);
  auto r = loadCheckpoint(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("corrupt"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos) << r.status().message();
}

TEST(Checkpoint, MissingFileIsRefused) {
  TmpDir dir;
  auto r = loadCheckpoint(dir.path("nope.safetensors"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such file"), std::string::npos) << r.status().message();
}

TEST(Checkpoint, PlainWeightsFileIsNotACheckpoint) {
  TmpDir dir;
  TensorFile f;
  f.tensors["conv.weight"] = filled({2, 2}, 0, 1);
  const std::string path = dir.path("w.safetensors");
  ASSERT_TRUE(writeSafetensors(path, f));
  auto r = loadCheckpoint(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not an llie training checkpoint"), std::string::npos)
      << r.status().message();
}

TEST(Checkpoint, OtherFormatVersionAndBadMetadataAreRefused) {
  TmpDir dir;
  const std::string path = dir.path("ck.safetensors");
  ASSERT_TRUE(saveCheckpoint(path, sample()));
  auto edit = [&](const std::string& key, const std::string& value) {
    auto f = readSafetensors(path);
    ASSERT_TRUE(f.ok());
    f->metadata[key] = value;
    ASSERT_TRUE(writeSafetensors(dir.path("edited.safetensors"), *f));
  };
  edit("format_version", "2");
  auto r = loadCheckpoint(dir.path("edited.safetensors"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("format version 2"), std::string::npos)
      << r.status().message();
  edit("step", "12x");
  r = loadCheckpoint(dir.path("edited.safetensors"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("step = '12x'"), std::string::npos) << r.status().message();
  edit("data_position", "7"); // disagrees with rng_state
  r = loadCheckpoint(dir.path("edited.safetensors"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("rng_state"), std::string::npos) << r.status().message();
}

TEST(Checkpoint, FailedWriteLeavesTheOldFileUntouched) {
  TmpDir dir;
  const std::string path = dir.path("last.safetensors");
  ASSERT_TRUE(saveCheckpoint(path, sample()));
  const std::string before = readAll(path);
  Checkpoint bad = sample();
  bad.tensors["broken"].shape = {3};
  bad.tensors["broken"].storage.resize(5); // does not match its shape: refused
  EXPECT_FALSE(saveCheckpoint(path, bad));
  EXPECT_EQ(readAll(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"last.safetensors"});
}

namespace {

const char* kModelA = R"(
model A(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(8, 3, padding=1, name="c1") |> relu() |> conv2d(3, 3, padding=1, name="c2")
}
)";
// Same names, one other shape (c1 has 4 channels), one tensor more (c3), one fewer (c2).
const char* kModelB = R"(
model B(x: [N, 3, H, W]) -> y {
  y = x |> conv2d(4, 3, padding=1, name="c1") |> relu() |> conv2d(3, 3, padding=1, name="c3")
}
)";

Checkpoint checkpointFor(const CompiledModel& m) {
  Checkpoint c;
  auto w = initialWeights(m.graph, 7);
  EXPECT_TRUE(w.ok());
  c.tensors = *w;
  c.meta.modelHash = m.sourceHash;
  c.meta.entry = m.graph.entry;
  c.meta.batch = 2;
  c.meta.crop = 16;
  return c;
}

} // namespace

TEST(Checkpoint, OwnCheckpointMatches) {
  auto a = compileText(kModelA);
  ASSERT_TRUE(a->model.ok()) << a->errors;
  Status st = checkCheckpointMatches(checkpointFor(*a->model), a->model->graph,
                                     a->model->sourceHash, "A", "ck");
  EXPECT_TRUE(st.isOk()) << st.message();
}

TEST(Checkpoint, ForeignCheckpointIsRefusedNamingEveryDifference) {
  auto a = compileText(kModelA);
  auto b = compileText(kModelB);
  ASSERT_TRUE(a->model.ok()) << a->errors;
  ASSERT_TRUE(b->model.ok()) << b->errors;
  ASSERT_NE(a->model->sourceHash, b->model->sourceHash);
  Status st = checkCheckpointMatches(checkpointFor(*b->model), a->model->graph,
                                     a->model->sourceHash, "A", "b.safetensors");
  ASSERT_FALSE(st.isOk());
  std::string all = renderStatus(a->sm, st);
  EXPECT_NE(all.find("checkpoint 'b.safetensors' is not from this model ('A')"), std::string::npos)
      << all;
  EXPECT_NE(all.find("from 'B', this run is 'A'"), std::string::npos) << all;
  EXPECT_NE(all.find(b->model->sourceHash), std::string::npos) << all;
  EXPECT_NE(all.find(a->model->sourceHash), std::string::npos) << all;
  EXPECT_NE(
      all.find("missing from the checkpoint (2):\n    c2.bias [3]\n    c2.weight [3, 8, 3, 3]"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("c1.weight: checkpoint has f32[4, 3, 3, 3], model needs f32[8, 3, 3, 3]"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("c1.bias: checkpoint has f32[4], model needs f32[8]"), std::string::npos)
      << all;
  EXPECT_NE(all.find("in the checkpoint but not in the model (2):\n    c3.bias [3]\n    c3.weight "
                     "[3, 4, 3, 3]"),
            std::string::npos)
      << all;
}

TEST(Checkpoint, SameTensorsFromChangedSourcesAreRefused) {
  auto a = compileText(kModelA);
  ASSERT_TRUE(a->model.ok()) << a->errors;
  Checkpoint c = checkpointFor(*a->model);
  c.meta.modelHash = "ffffffffffffffff";
  Status st =
      checkCheckpointMatches(c, a->model->graph, a->model->sourceHash, "A", "old.safetensors");
  ASSERT_FALSE(st.isOk());
  std::string all = renderStatus(a->sm, st);
  EXPECT_NE(all.find("written for sources ffffffffffffffff"), std::string::npos) << all;
  EXPECT_NE(all.find("--weights"), std::string::npos) << all; // how to reuse the weights anyway
  EXPECT_EQ(all.find("missing"), std::string::npos) << all;
}
