// Syntax errors of the .llie parser (see syntax_errors.h): the error listener that collects them
// as Diagnostics, the error strategy that rewrites ANTLR's recovery events into plain messages
// with hints and notes, and the UTF-8 and bracket-nesting checks run before ANTLR sees the text.
// Nothing here may throw on user input except the deliberate ParseCancellationException that
// stops a parse after kMaxErrors errors.
#include "compiler/frontend/syntax_errors.h"

#include "LlieParser.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

namespace llie::syntax {

using P = llie::grammar::LlieParser;
using antlr4::Token;

int32_t tokLen(const Token* t) {
  if (!t || t->getType() == Token::EOF || t->getStopIndex() < t->getStartIndex()) return 1;
  return static_cast<int32_t>(t->getStopIndex() - t->getStartIndex() + 1);
}

SourceSpan tokSpan(int32_t file, const Token* t) {
  return {file, static_cast<int32_t>(t->getLine()),
          static_cast<int32_t>(t->getCharPositionInLine()) + 1, tokLen(t)};
}

int32_t codePoints(const std::string& s) {
  int32_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

// ---- collecting and rewording ------------------------------------------------------------------

/// Collects syntax errors from the lexer and parser as Diagnostics. The error strategy may set a
/// better location, hints and notes just before it notifies.
class ErrorSink : public antlr4::BaseErrorListener {
public:
  explicit ErrorSink(int32_t file) : file_(file) {}
  std::vector<Diagnostic> diags;
  bool truncated = false;
  std::optional<SourceSpan> spanOverride;
  std::vector<std::string> hints;
  std::vector<std::pair<SourceSpan, std::string>> notes;

  void syntaxError(antlr4::Recognizer* r, Token* tok, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    Diagnostic d;
    d.span = spanOverride ? *spanOverride
                          : SourceSpan{file_, static_cast<int32_t>(line),
                                       static_cast<int32_t>(col) + 1, tok ? tokLen(tok) : 1};
    // The grammar has a catch-all token, so the lexer should never complain; just in case.
    d.message = dynamic_cast<antlr4::Lexer*>(r) ? "unexpected character" : msg;
    d.hints = std::move(hints);
    d.notes = std::move(notes);
    spanOverride.reset();
    hints.clear();
    notes.clear();
    // One error per line: a second one on the same line is nearly always a consequence.
    if (!diags.empty() && diags.back().span.line == d.span.line) return;
    if (diags.size() >= kMaxErrors) {
      truncated = true;
      throw antlr4::ParseCancellationException("too many errors");
    }
    diags.push_back(std::move(d));
  }

private:
  int32_t file_;
};

namespace {

/// ANTLR's recovery, with messages for people.
class FriendlyErrors : public antlr4::DefaultErrorStrategy {
public:
  FriendlyErrors(ErrorSink& sink, int32_t file, const antlr4::dfa::Vocabulary& vocab)
      : sink_(sink), file_(file), vocab_(vocab) {
    for (size_t t = 1; t <= vocab.getMaxTokenType(); ++t) {
      std::string lit = vocab.getLiteralName(t);
      if (lit.size() > 2) literal_[lit.substr(1, lit.size() - 2)] = t;
    }
  }

protected:
  void reportNoViableAlternative(antlr4::Parser* p,
                                 const antlr4::NoViableAltException& e) override {
    Token* bad = e.getOffendingToken();
    // Failing after some lookahead: the first tokens were fine, this one is not.
    if (e.getStartToken() != bad) return report(p, bad, {}, true);
    report(p, bad, e.getExpectedTokens(), false);
  }
  void reportInputMismatch(antlr4::Parser* p, const antlr4::InputMismatchException& e) override {
    report(p, e.getOffendingToken(), e.getExpectedTokens(), false);
  }
  void reportUnwantedToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    // A stray token when the one after it fits; otherwise something is missing before it.
    antlr4::misc::IntervalSet set = getExpectedTokens(p);
    report(p, p->getCurrentToken(), set, set.contains(p->getInputStream()->LA(2)));
  }
  void reportMissingToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    report(p, p->getCurrentToken(), getExpectedTokens(p), false);
  }

public:
  /// A statement header gone wrong (`if a = b {`, `model M(x) -> y z {`): when '{' is expected
  /// and comes later on the same line, report once and resume there, so the body still parses.
  Token* recoverInline(antlr4::Parser* p) override {
    antlr4::misc::IntervalSet set = p->getExpectedTokens();
    Token* cur = p->getCurrentToken();
    if (set.size() == 1 && set.contains(lit("{")) && cur->getType() != Token::EOF) {
      for (size_t i = 2;; ++i) {
        Token* t = p->getTokenStream()->LT(static_cast<ssize_t>(i));
        if (t->getType() == Token::EOF || t->getLine() != cur->getLine()) break;
        if (t->getType() != lit("{")) continue;
        if (!inErrorRecoveryMode(p)) {
          beginErrorCondition(p);
          report(p, cur, set, false);
        }
        while (p->getCurrentToken() != t)
          p->consume();
        reportMatch(p);
        p->consume();
        return t;
      }
    }
    return DefaultErrorStrategy::recoverInline(p);
  }

private:
  size_t lit(const std::string& s) const {
    auto it = literal_.find(s);
    return it == literal_.end() ? 0 : it->second;
  }
  bool isKeyword(const Token* t) const {
    std::string lit = vocab_.getLiteralName(t->getType());
    return lit.size() > 2 && std::isalpha(static_cast<unsigned char>(lit[1]));
  }
  /// Keywords that start a file-level declaration (`let = 3` lacks a name, it is no misuse).
  static bool isDeclKeyword(const Token* t) {
    std::string s = t->getText();
    return s == "import" || s == "let" || s == "block" || s == "model" || s == "train";
  }
  static Token* previous(antlr4::Parser* p, Token* t) {
    if (!t || t->getTokenIndex() == 0 || t->getTokenIndex() == INVALID_INDEX) return nullptr;
    return p->getTokenStream()->get(t->getTokenIndex() - 1);
  }
  /// How a token is quoted in a message.
  static std::string show(const Token* t) {
    if (t->getType() == Token::EOF) return "end of file";
    std::string s = t->getText(), out;
    if (s.size() > 24) s = s.substr(0, 21) + "...";
    if (t->getType() == P::STRING) return s;
    for (unsigned char c : s) {
      char buf[8];
      std::snprintf(buf, sizeof buf, c < 0x20 || c == 0x7f ? "\\x%02x" : "%c", c);
      out += buf;
    }
    return "'" + out + "'";
  }
  /// The expected-token set in words ("an expression", "a name", "')'"), or "" when too long.
  std::string describe(const antlr4::misc::IntervalSet& set) const {
    std::set<size_t> s;
    for (ssize_t t : set.toList())
      s.insert(static_cast<size_t>(t));
    std::vector<std::string> items;
    auto takeAll = [&](std::initializer_list<size_t> group, const char* words) {
      for (size_t t : group)
        if (!s.count(t)) return false;
      for (size_t t : group)
        s.erase(t);
      items.push_back(words);
      return true;
    };
    takeAll({P::ID, lit("if"), lit("for"), lit("require"), lit("param"), lit("state"), lit("loss")},
            "a statement");
    if (takeAll({P::INT, P::FLOAT, P::STRING, P::ID, lit("true"), lit("false"), lit("["), lit("(")},
                "an expression")) {
      s.erase(lit("-"));
      s.erase(lit("not"));
    }
    // Operators that could continue an expression are never what is missing.
    std::vector<size_t> ops = {lit("|>"), lit("or"), lit("and"), lit("=="), lit("!="),
                               lit("<"),  lit("<="), lit(">"),   lit(">="), lit("+"),
                               lit("-"),  lit("*"),  lit("/"),   lit("//"), lit("%"),
                               lit("@"),  lit("**"), lit("."),   lit("["),  lit(";")};
    bool others = !items.empty();
    for (size_t t : s)
      if (std::find(ops.begin(), ops.end(), t) == ops.end()) others = true;
    if (others)
      for (size_t t : ops)
        s.erase(t);
    if (s.count(lit("="))) s.erase(lit(","));
    for (size_t t : s) {
      if (t == Token::EOF)
        items.push_back("end of file");
      else if (t == P::ID)
        items.push_back("a name");
      else if (t == P::INT)
        items.push_back("an integer");
      else if (t == P::FLOAT)
        items.push_back("a number");
      else if (t == P::STRING)
        items.push_back("a string");
      else if (!vocab_.getLiteralName(t).empty())
        items.push_back(vocab_.getLiteralName(t));
    }
    if (items.empty() || items.size() > 5) return "";
    std::string out = items[0];
    for (size_t i = 1; i < items.size(); ++i)
      out += (i + 1 == items.size() ? " or " : ", ") + items[i];
    return out;
  }
  /// Where "expected X" points: at the offending token when it is on the same line as the one
  /// before it, otherwise just after that previous token (the end of the incomplete line).
  SourceSpan anchor(Token* bad, Token* prev) const {
    if (prev && (bad->getType() == Token::EOF || bad->getLine() != prev->getLine()))
      return {file_, static_cast<int32_t>(prev->getLine()),
              static_cast<int32_t>(prev->getCharPositionInLine()) + 1 + tokLen(prev), 1};
    return tokSpan(file_, bad);
  }
  void emit(antlr4::Parser* p, Token* bad, SourceSpan span, const std::string& msg) {
    sink_.spanOverride = span;
    p->notifyErrorListeners(bad, msg, nullptr);
  }
  /// Tokens that are errors by themselves get the same message wherever they turn up.
  bool lexError(antlr4::Parser* p, Token* bad) {
    if (bad->getType() == P::ERRCHAR) {
      emit(p, bad, tokSpan(file_, bad), "unexpected character " + show(bad));
      return true;
    }
    if (bad->getType() == P::UNTERMINATED_STRING) {
      sink_.hints.push_back("a string ends with '\"' on the same line; write \\n for a newline");
      emit(p, bad, tokSpan(file_, bad), "unterminated string");
      return true;
    }
    return false;
  }
  bool atTopLevel(antlr4::Parser* p) const {
    return p->getContext() && p->getContext()->getRuleIndex() == P::RuleModule_;
  }
  /// In an `if`/`require` condition, or at the '{' right after an `if` condition.
  bool inCondition(antlr4::Parser* p) const {
    auto* c = p->getContext();
    if (c && c->getRuleIndex() == P::RuleBody)
      c = dynamic_cast<antlr4::ParserRuleContext*>(c->parent);
    return c && (c->getRuleIndex() == P::RuleIfStmt || c->getRuleIndex() == P::RuleRequireStmt);
  }

  /// One syntax error. `unwanted`: the token is in the way (say "unexpected"); otherwise say
  /// what was expected in its place, from `set`.
  void report(antlr4::Parser* p, Token* bad, const antlr4::misc::IntervalSet& set, bool unwanted) {
    if (lexError(p, bad)) return;
    Token* prev = previous(p, bad);
    std::string text = bad->getText();
    bool eof = bad->getType() == Token::EOF;
    bool wantsName = set.contains(static_cast<size_t>(P::ID));
    // Running into the end of the file or into the next declaration inside a block.
    if (eof ? set.contains(lit("}")) : (text == "block" || text == "model" || text == "train")) {
      if (auto open = unclosedBrace(p)) {
        sink_.notes.push_back({*open, "this '{' is never closed"});
        return emit(p, bad, anchor(bad, prev),
                    eof ? "missing '}' at end of block" : "missing '}' before " + show(bad));
      }
    }
    // `loss = ...`, `state = ...`: a keyword where the user meant a variable.
    if (prev && isKeyword(prev) && !isDeclKeyword(prev) && wantsName &&
        (text == "=" || text == ",")) {
      sink_.hints.push_back("rename it, e.g. '" + prev->getText() + "_'");
      return emit(p, prev, tokSpan(file_, prev),
                  show(prev) + " is a keyword and cannot be used as a name");
    }
    if (isKeyword(bad) && wantsName && text != "let" && text != "import")
      sink_.hints.push_back(show(bad) + " is a keyword and cannot be used as a name");
    if ((text == "let" || text == "import") && !atTopLevel(p))
      sink_.hints.push_back("'" + text + "' is only allowed at the top level of a file");
    if (auto* req = text == "=" ? runOnRequire(p, prev) : nullptr) {
      // `require a, b, c, d = f()`: the list took the assignment's targets as conditions.
      if (const Token* comma = lineEndComma(req, bad->getLine())) {
        sink_.hints.push_back("end the require list with ';' in place of the ',' at the end of "
                              "line " +
                              std::to_string(comma->getLine()));
        sink_.notes.push_back({tokSpan(file_, comma), "this ',' continues the require list"});
      } else {
        sink_.hints.push_back("end the require list with ';' before an assignment");
        sink_.notes.push_back({tokSpan(file_, req->getStart()), "the require list starts here"});
      }
    } else if (text == "=" && (inCondition(p) || set.contains(lit("==")))) {
      sink_.hints.push_back("use '==' to compare values");
    }

    std::string want = unwanted || atTopLevel(p) ? "" : describe(set);
    if (!want.empty())
      return emit(p, bad, anchor(bad, prev),
                  "expected " + want + (prev ? " after " + show(prev) : ""));
    if (eof) return emit(p, bad, anchor(bad, prev), "unexpected end of file");
    std::string msg = "unexpected " + show(bad);
    if (atTopLevel(p))
      msg += " at top level; expected 'import', 'let', 'block', 'model' or 'train'";
    emit(p, bad, tokSpan(file_, bad), msg);
  }

  /// The require statement just parsed when it ends at `prev` with a bare name after its first
  /// condition: it ran on into an assignment's targets (`require a, b, c, d = f()`).
  static P::RequireStmtContext* runOnRequire(antlr4::Parser* p, const Token* prev) {
    auto* c = p->getContext();
    if (!c || c->children.empty()) return nullptr;
    auto* stmt = dynamic_cast<P::StmtContext*>(c->children.back());
    auto* req = stmt ? stmt->requireStmt() : nullptr;
    if (!req || !prev || req->getStop() != prev || req->expr().size() < 2) return nullptr;
    return prev->getType() == P::ID && req->expr().back()->getStart() == prev ? req : nullptr;
  }
  /// The ',' ending an earlier line of `req` and followed by the bare names on line `line` (a
  /// trailing comma that joined the next line's assignment to the list), or null.
  static const Token* lineEndComma(P::RequireStmtContext* req, size_t line) {
    const Token* comma = nullptr;
    for (auto* child : req->children) {
      if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        if (t->getText() == ",") comma = t->getSymbol();
        continue;
      }
      auto* e = static_cast<P::ExprContext*>(child);
      const Token* first = e->getStart();
      if (first->getLine() == line && comma && comma->getLine() < line)
        return first == e->getStop() && first->getType() == P::ID ? comma : nullptr;
    }
    return nullptr;
  }

  /// The innermost '{' on the rule stack that has no '}' yet.
  std::optional<SourceSpan> unclosedBrace(antlr4::Parser* p) const {
    for (auto* c = p->getContext(); c; c = dynamic_cast<antlr4::ParserRuleContext*>(c->parent)) {
      const Token* open = nullptr;
      bool closed = false;
      for (auto* child : c->children)
        if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
          if (t->getText() == "{") open = t->getSymbol();
          if (t->getText() == "}") closed = true;
        }
      if (open && !closed) return tokSpan(file_, open);
    }
    return std::nullopt;
  }

  ErrorSink& sink_;
  int32_t file_;
  const antlr4::dfa::Vocabulary& vocab_;
  std::map<std::string, size_t> literal_;
};

} // namespace

// ---- pre-checks
// ----------------------------------------------------------------------------------

std::optional<Diagnostic> checkUtf8(const std::string& s, int32_t file) {
  int32_t line = 1, col = 1;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xC2) && !(n == 4 && c > 0xF4);
    for (size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02x in source file", c);
      return Diagnostic{Severity::Error, {file, line, col, 1}, buf, {}, {}};
    }
    if (c == '\n')
      ++line, col = 1;
    else
      ++col;
    i += n;
  }
  return std::nullopt;
}

std::optional<Diagnostic> checkNesting(antlr4::CommonTokenStream& tokens, int32_t file) {
  int depth = 0;
  for (Token* t : tokens.getTokens()) {
    std::string s = t->getType() == P::ID ? std::string() : t->getText();
    if (s == "(" || s == "[" || s == "{") {
      if (++depth > kMaxNesting)
        return Diagnostic{Severity::Error,
                          tokSpan(file, t),
                          "brackets nested too deeply (more than " + std::to_string(kMaxNesting) +
                              " levels)",
                          {},
                          {}};
    } else if ((s == ")" || s == "]" || s == "}") && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// ---- SyntaxErrors
// --------------------------------------------------------------------------------

SyntaxErrors::SyntaxErrors(int32_t file) : file_(file), sink_(std::make_unique<ErrorSink>(file)) {}
SyntaxErrors::~SyntaxErrors() = default;

void SyntaxErrors::attach(antlr4::Lexer& lexer) {
  lexer.removeErrorListeners();
  lexer.addErrorListener(sink_.get());
}

void SyntaxErrors::attach(antlr4::Parser& parser) {
  parser.removeErrorListeners();
  parser.addErrorListener(sink_.get());
  parser.setErrorHandler(std::make_shared<FriendlyErrors>(*sink_, file_, parser.getVocabulary()));
}

bool SyntaxErrors::empty() const {
  return sink_->diags.empty();
}

std::vector<Diagnostic> SyntaxErrors::take() {
  std::vector<Diagnostic> diags = std::move(sink_->diags);
  sink_->diags.clear();
  if (sink_->truncated)
    diags.push_back({Severity::Note,
                     {},
                     "too many syntax errors; stopped after " + std::to_string(kMaxErrors),
                     {},
                     {}});
  return diags;
}

} // namespace llie::syntax
