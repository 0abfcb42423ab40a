// Runs a shell command for CLI tests and captures its exit code and output (stdout and stderr
// together), plus the paths of the built tools and of the repository, and whether PyTorch is
// there for parity tests.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

namespace llie::testing {

struct RunResult {
  int code;
  std::string output; ///< stdout and stderr together
};

inline RunResult run(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Whether Debian's PyTorch imports (parity tests skip with a message when it does not).
inline bool torchAvailable() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return ok;
}

inline std::string tool(const char* name) { return std::string(LLIE_BINARY_DIR) + "/" + name; }
inline std::string repoPath(const std::string& rel) {
  return std::string(LLIE_SOURCE_DIR) + "/" + rel;
}
inline std::string sharedData() { return std::string(LLIE_SOURCE_DIR) + "/../shared/data"; }

} // namespace llie::testing
