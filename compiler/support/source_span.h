// SourceSpan: where a piece of .llie text came from. Every AST node and IR node carries one (a
// fused IR node carries several), so that any error, dump or profile row can point back to
// file:line:col. Files are interned in a SourceManager and referred to by a small id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llie {

/// A half-open region of one source file. line/col are 1-based; len counts characters on the
/// first line (enough for a caret underline). file < 0 means "no location" (built-ins).
struct SourceSpan {
  int32_t file = -1;
  int32_t line = 0;
  int32_t col = 0;
  int32_t len = 1;
  bool valid() const { return file >= 0; }
  bool operator==(const SourceSpan&) const = default;
};

/// Owns the text of every file read during one compilation, for caret rendering.
class SourceManager {
public:
  /// Registers a file's text and returns its id.
  int32_t add(std::string path, std::string text);
  const std::string& path(int32_t id) const { return files_[id].path; }
  const std::string& text(int32_t id) const { return files_[id].text; }
  /// The text of line `line` (1-based) without its newline; empty when out of range.
  std::string lineText(int32_t id, int32_t line) const;
  /// Finds an already-added file by path, or -1.
  int32_t find(const std::string& path) const;
  size_t size() const { return files_.size(); }
  /// "file:line:col" for a span, "<builtin>" for an invalid one.
  std::string format(const SourceSpan& s) const;

private:
  struct File {
    std::string path, text;
  };
  std::vector<File> files_;
};

} // namespace llie
