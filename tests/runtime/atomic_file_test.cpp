// writeFileAtomic: replacement is all-or-nothing and never leaves a temporary behind.
#include "runtime/atomic_file.h"

#include "tests/runtime/tmp_dir.h"

#include <csignal>
#include <gtest/gtest.h>
#include <sys/resource.h>

using namespace llie;
using llie::testing::readAll;
using llie::testing::TmpDir;
using llie::testing::writeAll;

TEST(AtomicFile, WritesThenReplaces) {
  TmpDir tmp;
  std::string p = tmp.path("out.bin");
  ASSERT_TRUE(writeFileAtomic(p, "hello", 5).isOk());
  EXPECT_EQ(readAll(p), "hello");
  Status s = writeFileAtomic(p, [](std::ostream& os) {
    os << "replaced " << 42;
    return Status::ok();
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(readAll(p), "replaced 42");
  EXPECT_EQ(tmp.entries(), std::vector<std::string>{"out.bin"});
  // Replacing keeps the file's permission bits.
  std::filesystem::permissions(p, std::filesystem::perms::owner_read |
                                      std::filesystem::perms::owner_write);
  ASSERT_TRUE(writeFileAtomic(p, "again", 5).isOk());
  EXPECT_EQ(std::filesystem::status(p).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(AtomicFile, LargeBlocksArriveIntact) {
  TmpDir tmp;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 131 + (i >> 12));
  std::string p = tmp.path("big.bin");
  ASSERT_TRUE(writeFileAtomic(p, [&](std::ostream& os) {
                for (size_t off = 0; off < big.size(); off += 1000003)
                  os.write(big.data() + off, std::min<size_t>(1000003, big.size() - off));
                os.put('!');
                return Status::ok();
              }).isOk());
  EXPECT_EQ(readAll(p), big + "!");
}

TEST(AtomicFile, CallbackErrorKeepsTheOriginal) {
  TmpDir tmp;
  std::string p = tmp.path("keep.txt");
  writeAll(p, "original");
  Status s = writeFileAtomic(p, [](std::ostream& os) {
    os << std::string(200000, 'x'); // partly written when the error comes
    return Status::error("serialiser gave up");
  });
  EXPECT_FALSE(s.isOk());
  EXPECT_EQ(s.message(), "serialiser gave up");
  EXPECT_EQ(readAll(p), "original");
  EXPECT_EQ(tmp.entries(), std::vector<std::string>{"keep.txt"});
}

TEST(AtomicFile, IoErrorKeepsTheOriginal) {
  TmpDir tmp;
  std::string p = tmp.path("keep.bin");
  writeAll(p, "original");
  // A file size limit makes write(2) fail with EFBIG part-way (SIGXFSZ ignored).
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit lim = old;
  lim.rlim_cur = 1 << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  std::string data(4 << 20, 'z');
  Status s = writeFileAtomic(p, data.data(), data.size());
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("cannot write '" + p + "'"), std::string::npos) << s.message();
  EXPECT_EQ(readAll(p), "original");
  EXPECT_EQ(tmp.entries(), std::vector<std::string>{"keep.bin"});
}

TEST(AtomicFile, MissingDirectoryOrDirectoryTargetIsAnError) {
  TmpDir tmp;
  Status s = writeFileAtomic(tmp.path("no/such/dir/f.bin"), "x", 1);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();
  Status d = writeFileAtomic(tmp.dir().string(), "x", 1);
  ASSERT_FALSE(d.isOk());
  EXPECT_NE(d.message().find("is a directory"), std::string::npos) << d.message();
}
