// Errors as values. User-facing failures travel as Status / Expected<T> carrying Diagnostics with
// source spans; internal invariants use LLIE_CHECK, which aborts with a message (a bug in llie,
// never the user's fault). Nothing that reads user input may abort.
#pragma once
#include "compiler/support/source_span.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace llie {

enum class Severity { Error, Warning, Note };

/// One message for the user: "file:line:col: error: message", the source line, a caret, then
/// optional "hint:" lines and notes that point elsewhere (e.g. "first defined here").
struct Diagnostic {
  Severity severity = Severity::Error;
  SourceSpan span;
  std::string message;
  std::vector<std::string> hints;
  std::vector<std::pair<SourceSpan, std::string>> notes;
};

/// Success, or one or more diagnostics (errors first).
class Status {
public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string msg, SourceSpan span = {}, std::vector<std::string> hints = {}) {
    Status s;
    s.diags_.push_back({Severity::Error, span, std::move(msg), std::move(hints), {}});
    return s;
  }
  static Status fromDiagnostics(std::vector<Diagnostic> d) {
    Status s;
    s.diags_ = std::move(d);
    return s;
  }
  bool isOk() const { return diags_.empty(); }
  explicit operator bool() const { return isOk(); }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  std::vector<Diagnostic>& diagnostics() { return diags_; }
  /// The first message (without location); "" when ok.
  std::string message() const { return diags_.empty() ? std::string() : diags_[0].message; }
  /// Appends a hint to the first diagnostic.
  Status& hint(std::string h) {
    if (!diags_.empty()) diags_[0].hints.push_back(std::move(h));
    return *this;
  }

private:
  std::vector<Diagnostic> diags_;
};

/// A value or the Status explaining why there is none.
template <class T> class Expected {
public:
  Expected(T v) : v_(std::move(v)) {}
  Expected(Status s) : v_(std::move(s)) {
    if (std::get<Status>(v_).isOk()) {
      std::fprintf(stderr, "internal error: Expected built from an ok Status\n");
      std::abort();
    }
  }
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const { return std::get<1>(v_); }
  Status takeStatus() { return std::move(std::get<1>(v_)); }

private:
  std::variant<T, Status> v_;
};

[[noreturn]] inline void checkFailed(const char* cond, const char* file, int line,
                                     const std::string& msg) {
  std::fprintf(stderr, "llie internal error at %s:%d: check '%s' failed: %s\n", file, line, cond,
               msg.c_str());
  std::abort();
}

} // namespace llie

/// Internal invariant: aborts with a message. Never use on user input.
#define LLIE_CHECK(cond, msg)                                                                      \
  do {                                                                                             \
    if (!(cond)) ::llie::checkFailed(#cond, __FILE__, __LINE__, (msg));                            \
  } while (0)

#define LLIE_CONCAT_INNER(a, b) a##b
#define LLIE_CONCAT(a, b) LLIE_CONCAT_INNER(a, b)

/// Returns the Status from the enclosing function when `expr` (a Status) is an error.
#define LLIE_RETURN_IF_ERROR(expr)                                                                 \
  do {                                                                                             \
    ::llie::Status _llie_st = (expr);                                                              \
    if (!_llie_st.isOk()) return _llie_st;                                                         \
  } while (0)

/// `LLIE_ASSIGN_OR_RETURN(auto x, f())`: unwraps an Expected or returns its Status.
#define LLIE_ASSIGN_OR_RETURN(decl, expr)                                                          \
  auto LLIE_CONCAT(_llie_ex_, __LINE__) = (expr);                                                  \
  if (!LLIE_CONCAT(_llie_ex_, __LINE__).ok())                                                      \
    return LLIE_CONCAT(_llie_ex_, __LINE__).takeStatus();                                          \
  decl = std::move(LLIE_CONCAT(_llie_ex_, __LINE__).value())
