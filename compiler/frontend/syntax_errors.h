// Internal to parsing: turning ANTLR's lexer/parser error events into Diagnostics. A custom error
// strategy rewrites ANTLR's raw messages ("mismatched input 'x' expecting {...}") into plain ones
// ("expected '=' after 'x'", "unexpected '}'", "unterminated string") with hints and notes, and an
// error listener collects them (one per line, at most kMaxErrors per file). The pre-checks that
// keep ANTLR from throwing or recursing too deeply (invalid UTF-8, bracket nesting) live here too.
// parse.cpp drives the lexer and parser and builds the AST; it uses only what is declared here.
#pragma once
#include "compiler/support/diagnostics.h"

#include <antlr4-runtime.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llie::syntax {

constexpr size_t kMaxErrors = 20; ///< syntax errors reported per file
constexpr int kMaxNesting = 200;  ///< open brackets at once

/// Token length in characters (ANTLR indexes code points); 1 for EOF.
int32_t tokLen(const antlr4::Token* t);
/// The span of one token in `file`.
SourceSpan tokSpan(int32_t file, const antlr4::Token* t);
/// Number of UTF-8 code points in `s`.
int32_t codePoints(const std::string& s);

/// Reports the first byte that is not valid UTF-8 (ANTLR's decoder would throw on it).
std::optional<Diagnostic> checkUtf8(const std::string& text, int32_t file);
/// Bounds bracket nesting before parsing: ANTLR's recursive descent recurses per bracket.
std::optional<Diagnostic> checkNesting(antlr4::CommonTokenStream& tokens, int32_t file);

class ErrorSink;

/// The syntax errors of one file. Attach it to the lexer and the parser before parsing; once
/// kMaxErrors errors are collected, the next one throws antlr4::ParseCancellationException out of
/// the parse, which the caller catches (take() then ends with a "too many syntax errors" note).
class SyntaxErrors {
public:
  explicit SyntaxErrors(int32_t file);
  ~SyntaxErrors();
  SyntaxErrors(const SyntaxErrors&) = delete;
  SyntaxErrors& operator=(const SyntaxErrors&) = delete;

  /// Replaces the lexer's console listener by this collector.
  void attach(antlr4::Lexer& lexer);
  /// Replaces the parser's console listener by this collector and installs the friendly strategy.
  void attach(antlr4::Parser& parser);
  bool empty() const;
  /// Moves out the errors collected so far, plus the note when the count was capped.
  std::vector<Diagnostic> take();

private:
  int32_t file_;
  std::unique_ptr<ErrorSink> sink_;
};

} // namespace llie::syntax
