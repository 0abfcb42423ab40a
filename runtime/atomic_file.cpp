// writeFileAtomic: temp file + fsync + rename. The stream handed to the caller writes straight to
// the temporary's file descriptor through a small buffered streambuf, so huge weights files are
// never held twice in memory, and every write(2) error is remembered with its errno.
#include "runtime/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <streambuf>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace llie {
namespace {

/// Buffered output to a file descriptor; the first failing write(2) latches its errno.
class FdStreamBuf : public std::streambuf {
public:
  explicit FdStreamBuf(int fd) : fd_(fd), buf_(1 << 16) {
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  int error() const { return err_; }
  bool flushAll() { return flushBuffer() && err_ == 0; }

protected:
  int_type overflow(int_type ch) override {
    if (!flushBuffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (err_) return 0;
    // Large blocks bypass the buffer.
    if (n >= static_cast<std::streamsize>(buf_.size())) {
      if (!flushBuffer() || !writeAll(s, static_cast<size_t>(n))) return 0;
      return n;
    }
    return std::streambuf::xsputn(s, n);
  }
  int sync() override { return flushBuffer() ? 0 : -1; }

private:
  bool flushBuffer() {
    size_t n = static_cast<size_t>(pptr() - pbase());
    bool ok = n == 0 || writeAll(pbase(), n);
    setp(buf_.data(), buf_.data() + buf_.size());
    return ok;
  }
  bool writeAll(const char* p, size_t n) {
    if (err_) return false;
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
        return false;
      }
      if (w == 0) {
        err_ = EIO;
        return false;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  int fd_;
  std::vector<char> buf_;
  int err_ = 0;
};

std::string dirOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status ioError(const std::string& path, const std::string& what, int err) {
  return Status::error("cannot write '" + path + "': " + what + ": " + std::strerror(err));
}

} // namespace

Status writeFileAtomic(const std::string& path, const std::function<Status(std::ostream&)>& write) {
  if (path.empty()) return Status::error("cannot write a file with an empty name");
  struct stat st;
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed && S_ISDIR(st.st_mode))
    return Status::error("cannot write '" + path + "': it is a directory");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return ioError(path, "cannot create temporary '" + tmp + "'", errno);

  auto fail = [&](Status s) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  };

  // A replaced file keeps its permission bits (best effort).
  if (existed) (void)::fchmod(fd, st.st_mode & 07777);

  FdStreamBuf sb(fd);
  std::ostream os(&sb);
  Status st2;
  try {
    st2 = write(os);
  } catch (const std::exception& e) { // e.g. std::bad_alloc while serialising
    st2 = Status::error("cannot write '" + path + "': " + e.what());
  }
  if (!st2.isOk()) return fail(std::move(st2));
  os.flush();
  if (!sb.flushAll() || !os)
    return fail(ioError(path, "write failed", sb.error() ? sb.error() : EIO));
  if (::fsync(fd) != 0) return fail(ioError(path, "fsync failed", errno));
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail(ioError(path, "close failed", errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(ioError(path, "rename failed", errno));
  // Make the rename itself durable; failure here is harmless for correctness, so ignore it.
  int dfd = ::open(dirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

Status writeFileAtomic(const std::string& path, const void* data, size_t size) {
  return writeFileAtomic(path, [&](std::ostream& os) {
    os.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    return Status::ok();
  });
}

} // namespace llie
