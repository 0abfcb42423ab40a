// Rendering and collecting diagnostics. A DiagnosticEngine gathers several errors in one run (the
// parser and elaborator keep going where they sensibly can) and prints them as
//   models/x.llie:12:7: error: unknown op 'conv3d'
//      12 |   y = conv3d(x, 64, 3)
//         |       ^~~~~~
//   hint: did you mean 'conv2d'?
#pragma once
#include "compiler/support/source_span.h"
#include "compiler/support/status.h"

#include <string>
#include <vector>

namespace llie {

/// Renders one diagnostic with its source line and caret (and its notes) as text.
std::string renderDiagnostic(const SourceManager& sm, const Diagnostic& d);
/// Renders every diagnostic of a Status, one after another.
std::string renderStatus(const SourceManager& sm, const Status& s);

/// Collects diagnostics; errors are kept in report order.
class DiagnosticEngine {
public:
  void report(Diagnostic d) { diags_.push_back(std::move(d)); }
  void error(SourceSpan span, std::string msg, std::vector<std::string> hints = {}) {
    report({Severity::Error, span, std::move(msg), std::move(hints), {}});
  }
  void merge(const Status& s) {
    for (auto& d : s.diagnostics())
      diags_.push_back(d);
  }
  bool hasErrors() const;
  size_t errorCount() const;
  const std::vector<Diagnostic>& all() const { return diags_; }
  /// Moves everything into a Status (ok when there were no errors).
  Status take();

private:
  std::vector<Diagnostic> diags_;
};

/// Levenshtein-nearest candidate within distance 2, for "did you mean" hints; "" if none.
std::string closestName(const std::string& name, const std::vector<std::string>& candidates);

} // namespace llie
