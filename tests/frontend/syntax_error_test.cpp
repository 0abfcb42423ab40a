// Syntax errors: broken snippets must give one clear, located message each (checked as the exact
// "file:line:col: error: message" line plus the source and caret lines that renderDiagnostic
// prints), several independent errors must all be reported, and no input, however truncated or
// nested, may crash the parser or produce a diagnostic without a valid location.
#include "compiler/frontend/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace llie;

namespace {

struct BadCase {
  const char* name;
  const char* source;
  const char* first; ///< "bad.llie:L:C: error: message"
  const char* caret; ///< the caret line, as printed under the source line
  const char* hint;  ///< expected first hint, or nullptr
};

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string l; std::getline(is, l);)
    out.push_back(l);
  return out;
}

/// Parses `source` as bad.llie and returns its status (which must be an error).
Status parseBad(SourceManager& sm, const std::string& source) {
  auto r = parseSource(sm, sm.add("bad.llie", source));
  EXPECT_FALSE(r.ok()) << "expected a syntax error in:\n" << source;
  return r.ok() ? Status::ok() : r.status();
}

const BadCase kCases[] = {
    {"missing '=' in let", "let x 3\n", "bad.llie:1:7: error: expected '=' after 'x'",
     "   |       ^", nullptr},
    {"unclosed block at end of file", "model M(x) -> y {\n  y = x\n",
     "bad.llie:2:8: error: missing '}' at end of block", "   |        ^", nullptr},
    {"unclosed block before next model", "model M(x) -> y {\n  y = x\nmodel N(x) -> y { y = x }\n",
     "bad.llie:2:8: error: missing '}' before 'model'", "   |        ^", nullptr},
    {"unterminated string", "model M(x) -> y {\n  y = f(x, name=\"abc)\n}\n",
     "bad.llie:2:17: error: unterminated string", "   |                 ^~~~~",
     "a string ends with '\"' on the same line; write \\n for a newline"},
    {"stray character", "model M(x) -> y { y = x $ 2 }\n",
     "bad.llie:1:25: error: unexpected character '$'", "   |                         ^", nullptr},
    {"missing ')' at end of line", "model M(x) -> y {\n  y = conv2d(x, 3\n  z = 1\n}\n",
     "bad.llie:2:18: error: expected ')' after '3'", "   |                  ^", nullptr},
    {"missing operand", "model M(x) -> y { y = x + }\n",
     "bad.llie:1:27: error: expected an expression after '+'", "   |                           ^",
     nullptr},
    {"bad else", "block B(x) -> y { if x { y = x } else y = 2 }\n",
     "bad.llie:1:39: error: expected '{' or 'if' after 'else'",
     "   |                                       ^", nullptr},
    {"stray ')'", "block B(x) -> y { y = x ) }\n", "bad.llie:1:25: error: unexpected ')'",
     "   |                         ^", nullptr},
    {"import needs a string", "import std.nn\n",
     "bad.llie:1:8: error: expected a string after 'import'", "   |        ^~~", nullptr},
    {"for without in", "block B(x) -> y { for i [1, 2] { y = i } }\n",
     "bad.llie:1:25: error: expected 'in' after 'i'", "   |                         ^", nullptr},
    {"statement at top level", "y = 1\n",
     "bad.llie:1:1: error: unexpected 'y' at top level; expected 'import', 'let', 'block', "
     "'model' or 'train'",
     "   | ^", nullptr},
    {"keyword as variable", "train T(x) {\n  loss = mse(x, x)\n}\n",
     "bad.llie:2:3: error: 'loss' is a keyword and cannot be used as a name", "   |   ^~~~",
     "rename it, e.g. 'loss_'"},
    {"assignment in condition", "block B(x) -> y {\n  if x = 1 {\n    y = x\n  }\n}\n",
     "bad.llie:2:8: error: expected '{' after 'x'", "   |        ^", "use '==' to compare values"},
    {"expression statement", "block B(x) -> y { y + 1 }\n",
     "bad.llie:1:21: error: expected '=' after 'y'", "   |                     ^", nullptr},
    {"unclosed list", "let v = [1, 2\nlet w = 3\n",
     "bad.llie:1:14: error: expected ',' or ']' after '2'", "   |              ^", nullptr},
    {"let inside a block", "block B(x) -> y { let z = 3 }\n",
     "bad.llie:1:19: error: unexpected 'let'", "   |                   ^~~",
     "'let' is only allowed at the top level of a file"},
    {"require list runs on into an assignment",
     "block B(a, b) -> (c, d) {\n  require a, b,\n  c, d = f()\n}\n",
     "bad.llie:3:8: error: unexpected '='", "   |        ^",
     "end the require list with ';' in place of the ',' at the end of line 2"},
    {"require and assignment on one line", "block B(a, b) -> c {\n  require a, b, c = f()\n}\n",
     "bad.llie:2:19: error: unexpected '='", "   |                   ^",
     "end the require list with ';' before an assignment"},
    // Checks made while building the AST.
    {"pipe into a literal", "block B(x) -> y { y = x |> 3 }\n",
     "bad.llie:1:28: error: the right side of |> must be a call like relu() or a name",
     "   |                            ^", nullptr},
    {"positional after keyword", "block B(x) -> y { y = f(a=1, 2) }\n",
     "bad.llie:1:30: error: positional argument after keyword argument",
     "   |                              ^",
     "pass positional arguments first, then name=value arguments"},
    {"unknown type", "model M(x: tensr) -> y { y = x }\n",
     "bad.llie:1:12: error: unknown type 'tensr'", "   |            ^~~~~",
     "did you mean 'tensor'?"},
    {"integer overflow", "let big = 9223372036854775808\n",
     "bad.llie:1:11: error: integer literal 9223372036854775808 is too large",
     "   |           ^~~~~~~~~~~~~~~~~~~",
     "integers are 64-bit: the largest is 9223372036854775807"},
    {"chained comparison", "let c = a < b < c\n",
     "bad.llie:1:15: error: comparisons cannot be chained", "   |               ^",
     "write 'a < b and b < c' to test both"},
    {"unknown escape", "let s = \"a\\tb\"\n",
     "bad.llie:1:11: error: unknown escape sequence '\\t' in string", "   |           ^~",
     "the escapes are \\\", \\\\ and \\n"},
};

} // namespace

TEST(SyntaxError, EachBrokenSnippetGivesOneLocatedMessage) {
  for (const BadCase& c : kCases) {
    SCOPED_TRACE(c.name);
    SourceManager sm;
    Status st = parseBad(sm, c.source);
    ASSERT_EQ(st.diagnostics().size(), 1u) << renderStatus(sm, st);
    const Diagnostic& d = st.diagnostics()[0];
    std::vector<std::string> out = lines(renderDiagnostic(sm, d));
    ASSERT_GE(out.size(), 3u) << renderDiagnostic(sm, d);
    EXPECT_EQ(out[0], c.first);
    // out[1] is " L | <source line>"; out[2] the caret under it.
    EXPECT_EQ(out[1],
              " " + std::to_string(d.span.line) + " | " + sm.lineText(d.span.file, d.span.line));
    EXPECT_EQ(out[2], c.caret);
    if (c.hint) {
      ASSERT_FALSE(d.hints.empty());
      EXPECT_EQ(d.hints[0], c.hint);
    }
  }
}

TEST(SyntaxError, UnclosedBlockNotePointsAtTheOpeningBrace) {
  SourceManager sm;
  Status st = parseBad(sm, "model M(x) -> y {\n  if x {\n    y = x\n  }\n");
  ASSERT_EQ(st.diagnostics().size(), 1u);
  const Diagnostic& d = st.diagnostics()[0];
  EXPECT_EQ(d.message, "missing '}' at end of block");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].first, (SourceSpan{d.span.file, 1, 17, 1}));
  EXPECT_EQ(d.notes[0].second, "this '{' is never closed");
}

TEST(SyntaxError, RequireRunOnNotePointsAtTheTrailingComma) {
  SourceManager sm;
  Status st =
      parseBad(sm, "block B(a, b) -> c {\n  if a {\n    require a, b,\n    c = f()\n  }\n}\n");
  ASSERT_EQ(st.diagnostics().size(), 1u) << renderStatus(sm, st);
  const Diagnostic& d = st.diagnostics()[0];
  ASSERT_EQ(d.hints.size(), 1u); // not also "use '=='", though inside an if
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].first, (SourceSpan{d.span.file, 3, 17, 1}));
  EXPECT_EQ(d.notes[0].second, "this ',' continues the require list");
}

TEST(SyntaxError, CaretCountsCharactersNotBytesAfterNonAsciiText) {
  SourceManager sm;
  // "héllo" is 5 characters but 6 bytes; the caret line keeps the tab before '$'.
  Status st = parseBad(sm, "block B(x) -> y { y = f(\"h\xc3\xa9llo\")\t$ }\n");
  ASSERT_EQ(st.diagnostics().size(), 1u) << renderStatus(sm, st);
  std::vector<std::string> out = lines(renderDiagnostic(sm, st.diagnostics()[0]));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "bad.llie:1:34: error: unexpected character '$'");
  EXPECT_EQ(out[2], "   | " + std::string(32, ' ') + "\t^");
  // An underline longer than the rest of the line stops at its last character, not its last byte.
  int32_t id = sm.add("long.llie", "let s = \"\xc3\xa9\xc3\xa9\xc3\xa9\" + x\n");
  Diagnostic d{Severity::Error, {id, 1, 9, 100}, "too long", {}, {}};
  // Columns 9..17: '"ééé"' and ' + x'.
  EXPECT_EQ(lines(renderDiagnostic(sm, d))[2], "   |         ^" + std::string(8, '~'));
}

TEST(SyntaxError, ThreeSeparateErrorsGiveThreeDiagnostics) {
  SourceManager sm;
  Status st = parseBad(sm, "model A(x) -> y {\n"
                           "  y = x +\n" // 1: missing operand (reported at '}')
                           "}\n"
                           "let k 4\n" // 2: missing '='
                           "block B(x) -> y {\n"
                           "  y = f(x, 2\n" // 3: missing ')'
                           "}\n");
  ASSERT_EQ(st.diagnostics().size(), 3u) << renderStatus(sm, st);
  EXPECT_EQ(st.diagnostics()[0].message, "expected an expression after '+'");
  EXPECT_EQ(st.diagnostics()[0].span.line, 2);
  EXPECT_EQ(st.diagnostics()[1].message, "expected '=' after 'k'");
  EXPECT_EQ(st.diagnostics()[1].span.line, 4);
  EXPECT_EQ(st.diagnostics()[2].message, "expected ')' after '2'");
  EXPECT_EQ(st.diagnostics()[2].span.line, 6);
}

TEST(SyntaxError, BuilderChecksAreAllReportedTogether) {
  SourceManager sm;
  Status st = parseBad(sm, "block B(x: flaot, n: number) -> y {\n  y = x |> 1 + f(k=1, x)\n}\n");
  ASSERT_EQ(st.diagnostics().size(), 4u) << renderStatus(sm, st);
  EXPECT_EQ(st.diagnostics()[0].message, "unknown type 'flaot'");
  EXPECT_EQ(st.diagnostics()[1].message, "unknown type 'number'");
  EXPECT_EQ(st.diagnostics()[1].hints[0],
            "the types are tensor, int, float, bool, string and list");
  EXPECT_EQ(st.diagnostics()[2].message,
            "the right side of |> must be a call like relu() or a name");
  EXPECT_EQ(st.diagnostics()[3].message, "positional argument after keyword argument");
}

TEST(SyntaxError, ErrorCountIsCappedWithATrailingNote) {
  std::string src;
  for (int i = 0; i < 50; ++i)
    src += "let = " + std::to_string(i) + "\n";
  SourceManager sm;
  Status st = parseBad(sm, src);
  ASSERT_EQ(st.diagnostics().size(), 21u);
  EXPECT_EQ(st.diagnostics()[0].message, "expected a name after 'let'");
  EXPECT_EQ(st.diagnostics()[19].span.line, 20);
  EXPECT_EQ(st.diagnostics()[20].severity, Severity::Note);
}

TEST(SyntaxError, DeepNestingIsAnErrorNotACrash) {
  SourceManager sm;
  Status parens = parseBad(sm, "let v = " + std::string(5000, '(') + "1" + std::string(5000, ')'));
  EXPECT_EQ(parens.message(), "brackets nested too deeply (more than 200 levels)");
  std::string chain = "let v = 1";
  for (int i = 0; i < 20000; ++i)
    chain += " |> f";
  Status pipes = parseBad(sm, chain);
  EXPECT_EQ(pipes.message(), "expression is nested too deeply (more than 1000 levels)");
  // Long prefix chains are loops in the grammar, not recursion.
  SourceManager ok;
  auto negs = parseSource(ok, ok.add("n.llie", "let v = " + std::string(900, '-') + "x"));
  EXPECT_TRUE(negs.ok());
}

TEST(SyntaxError, InvalidUtf8AndControlCharactersAreReported) {
  SourceManager sm;
  Status utf = parseBad(sm, "let s = \"ok\"\nlet t = \"\xff\"\n");
  EXPECT_EQ(sm.format(utf.diagnostics()[0].span) + ": " + utf.message(),
            "bad.llie:2:10: invalid UTF-8 byte 0xff in source file");
  Status ctl = parseBad(sm, std::string("let v = 1 \x01 2\n"));
  EXPECT_EQ(ctl.message(), "unexpected character '\\x01'");
}

TEST(SyntaxError, TruncatedModelPrefixesNeverCrashAndHaveValidSpans) {
  std::ifstream f(std::string(LLIE_SOURCE_DIR) + "/models/sadfpn_unet.llie");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  ASSERT_GT(text.size(), 500u);
  int failures = 0;
  for (size_t n = 0; n <= text.size(); n += 7) {
    SourceManager sm;
    std::string prefix = text.substr(0, n);
    int32_t id = sm.add("cut.llie", prefix);
    auto r = parseSource(sm, id);
    if (r.ok()) continue;
    int32_t lineCount = 1;
    for (char c : prefix)
      lineCount += c == '\n';
    ++failures;
    for (const Diagnostic& d : r.status().diagnostics()) {
      if (d.severity != Severity::Error) continue;
      SCOPED_TRACE("prefix length " + std::to_string(n) + ": " + renderDiagnostic(sm, d));
      EXPECT_EQ(d.span.file, id);
      EXPECT_GE(d.span.line, 1);
      EXPECT_LE(d.span.line, lineCount);
      EXPECT_GE(d.span.col, 1);
      EXPECT_GE(d.span.len, 1);
      EXPECT_FALSE(d.message.empty());
      EXPECT_EQ(d.message.find("mismatched input"), std::string::npos);
      EXPECT_EQ(d.message.find("no viable alternative"), std::string::npos);
      EXPECT_EQ(d.message.find("<EOF>"), std::string::npos);
    }
  }
  // Nearly every cut leaves something open.
  EXPECT_GT(failures, static_cast<int>(text.size() / 7 / 2));
}
