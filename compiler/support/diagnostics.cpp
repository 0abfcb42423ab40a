// Diagnostic rendering (file:line:col, source line, caret, hints, notes) and the SourceManager.
#include "compiler/support/diagnostics.h"

#include <algorithm>
#include <sstream>

namespace llie {

int32_t SourceManager::add(std::string path, std::string text) {
  files_.push_back({std::move(path), std::move(text)});
  return static_cast<int32_t>(files_.size() - 1);
}

int32_t SourceManager::find(const std::string& path) const {
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i].path == path) return static_cast<int32_t>(i);
  return -1;
}

std::string SourceManager::lineText(int32_t id, int32_t line) const {
  if (id < 0 || id >= static_cast<int32_t>(files_.size()) || line < 1) return {};
  const std::string& t = files_[id].text;
  size_t pos = 0;
  for (int32_t l = 1; l < line; ++l) {
    pos = t.find('\n', pos);
    if (pos == std::string::npos) return {};
    ++pos;
  }
  size_t end = t.find('\n', pos);
  std::string s = t.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

std::string SourceManager::format(const SourceSpan& s) const {
  if (!s.valid() || s.file >= static_cast<int32_t>(files_.size())) return "<builtin>";
  return files_[s.file].path + ":" + std::to_string(s.line) + ":" + std::to_string(s.col);
}

static const char* severityName(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

static void renderLocated(std::ostringstream& os, const SourceManager& sm, const SourceSpan& span,
                          Severity sev, const std::string& msg) {
  if (span.valid()) os << sm.format(span) << ": ";
  os << severityName(sev) << ": " << msg << "\n";
  if (!span.valid() || span.file >= static_cast<int32_t>(sm.size())) return;
  std::string line = sm.lineText(span.file, span.line);
  if (line.empty()) return;
  std::string num = std::to_string(span.line);
  os << " " << num << " | " << line << "\n";
  os << " " << std::string(num.size(), ' ') << " | ";
  // Columns count characters, not bytes: one space per UTF-8 character before the column (a
  // continuation byte starts none), keeping tabs so the caret lines up with the source line.
  int32_t chars = 0;
  for (unsigned char c : line) {
    if ((c & 0xC0) == 0x80) continue;
    if (++chars < span.col) os << (c == '\t' ? '\t' : ' ');
  }
  int32_t avail = std::max<int32_t>(1, chars - span.col + 1);
  int32_t len = std::clamp<int32_t>(span.len, 1, avail);
  os << '^' << std::string(len - 1, '~') << "\n";
}

std::string renderDiagnostic(const SourceManager& sm, const Diagnostic& d) {
  std::ostringstream os;
  renderLocated(os, sm, d.span, d.severity, d.message);
  for (auto& h : d.hints)
    os << "hint: " << h << "\n";
  for (auto& [span, text] : d.notes)
    renderLocated(os, sm, span, Severity::Note, text);
  return os.str();
}

std::string renderStatus(const SourceManager& sm, const Status& s) {
  std::string out;
  for (auto& d : s.diagnostics())
    out += renderDiagnostic(sm, d);
  return out;
}

bool DiagnosticEngine::hasErrors() const {
  return errorCount() > 0;
}

size_t DiagnosticEngine::errorCount() const {
  return std::count_if(diags_.begin(), diags_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

Status DiagnosticEngine::take() {
  if (!hasErrors()) {
    diags_.clear();
    return Status::ok();
  }
  return Status::fromDiagnostics(std::move(diags_));
}

static size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestD = 3;
  for (auto& c : candidates) {
    size_t d = editDistance(name, c);
    if (d < bestD) bestD = d, best = c;
  }
  return best;
}

} // namespace llie
