// Parsing .llie text: runs the ANTLR4 lexer/parser generated from grammar/Llie.g4 with the
// syntax-error reporting of syntax_errors.h attached, then walks the parse tree into the AST of
// ast.h, making the checks the grammar leaves open (types, literals, escapes, |> operands).
// Nothing here may throw out of parseSource or abort on user input: ANTLR exceptions are caught,
// bracket nesting is bounded before parsing (ANTLR recurses per bracket) and expression depth is
// bounded while building (the AST is destroyed and printed recursively).
#include "compiler/frontend/parse.h"

#include "compiler/frontend/syntax_errors.h"

#include "LlieLexer.h"
#include "LlieParser.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace llie {
namespace {

namespace g = llie::grammar;
using P = g::LlieParser;
using antlr4::Token;
using syntax::codePoints;
using syntax::tokLen;
using syntax::tokSpan;

constexpr int kMaxExprDepth = 1000; // AST depth of one expression

// ---- parse tree -> AST
// ---------------------------------------------------------------------------

using antlr4::tree::TerminalNode;
using ast::Expr;
using ast::ExprKind;
using ast::ExprPtr;
using ast::Stmt;
using ast::StmtKind;
using ast::StmtPtr;

/// Walks a parse tree that had no syntax errors. Checks that the grammar leaves open are
/// reported to `diags` and building goes on, so that one run reports all of them.
class Builder {
public:
  Builder(const SourceManager& sm, int32_t file, DiagnosticEngine& diags)
      : sm_(sm), file_(file), diags_(diags) {}

  ast::Module module(P::Module_Context* c) {
    ast::Module m;
    m.path = sm_.path(file_);
    m.fileId = file_;
    for (auto* i : c->importDecl()) {
      auto* s = i->STRING();
      m.imports.push_back({unescape(s->getSymbol()), span(s)});
    }
    for (auto* l : c->letDecl())
      m.lets.push_back({l->ID()->getText(), span(l->ID()), expr(l->expr())});
    for (auto* b : c->blockDecl())
      m.decls.push_back(block(b));
    return m;
  }

private:
  SourceSpan span(const Token* t) const { return tokSpan(file_, t); }
  SourceSpan span(TerminalNode* n) const { return span(n->getSymbol()); }
  /// From `a` to the end of `b`, or to the end of `a`'s line when `b` is on a later line.
  SourceSpan extent(const Token* a, const Token* b) const {
    SourceSpan s = span(a);
    if (b && b->getLine() == a->getLine() && b->getTokenIndex() >= a->getTokenIndex())
      s.len = static_cast<int32_t>(b->getCharPositionInLine()) + tokLen(b) - s.col + 1;
    else if (b && b != a)
      s.len = std::max(1, codePoints(sm_.lineText(file_, s.line)) - s.col + 1);
    return s;
  }
  SourceSpan extent(antlr4::ParserRuleContext* c) const {
    return extent(c->getStart(), c->getStop());
  }

  ast::BlockDecl block(P::BlockDeclContext* c) {
    ast::BlockDecl b;
    std::string kind = c->kind->getText();
    b.kind = kind == "model"   ? ast::DeclKind::Model
             : kind == "train" ? ast::DeclKind::Train
                               : ast::DeclKind::Block;
    b.name = c->ID()->getText();
    b.span = span(c->ID());
    if (auto* pl = c->paramList())
      for (auto* p : pl->param())
        b.params.push_back(param(p));
    if (auto* outs = c->outputs())
      for (auto* child : outs->children)
        if (auto* t = dynamic_cast<TerminalNode*>(child); t && t->getSymbol()->getType() == P::ID)
          b.outputs.push_back(t->getText()), b.outputSpans.push_back(span(t));
    b.body = stmts(c->stmt());
    return b;
  }

  ast::Param param(P::ParamContext* c) {
    ast::Param p;
    p.name = c->ID()->getText();
    p.span = span(c->ID());
    if (auto* named = dynamic_cast<P::NamedTypeContext*>(c->typeSpec())) {
      // In ast::TypeKind order.
      static const std::vector<std::string> kTypes = {"tensor", "int",    "float",
                                                      "bool",   "string", "list"};
      std::string name = named->ID()->getText();
      auto it = std::find(kTypes.begin(), kTypes.end(), name);
      if (it != kTypes.end()) {
        p.type = static_cast<ast::TypeKind>(it - kTypes.begin());
      } else {
        std::string near = closestName(name, kTypes);
        diags_.error(span(named->ID()), "unknown type '" + name + "'",
                     {near.empty() ? "the types are tensor, int, float, bool, string and list"
                                   : "did you mean '" + near + "'?"});
      }
    } else if (auto* shape = dynamic_cast<P::ShapeTypeContext*>(c->typeSpec())) {
      for (auto* e : shape->expr())
        p.shape.push_back(expr(e));
    }
    if (c->expr()) p.defaultValue = expr(c->expr());
    return p;
  }

  std::vector<StmtPtr> stmts(const std::vector<P::StmtContext*>& cs) {
    std::vector<StmtPtr> out;
    for (auto* c : cs)
      out.push_back(stmt(c));
    return out;
  }

  StmtPtr mk(StmtKind k, antlr4::ParserRuleContext* c, TerminalNode* target = nullptr) {
    auto s = std::make_unique<Stmt>(k, extent(c));
    if (target) s->targets.push_back(target->getText()), s->targetSpans.push_back(span(target));
    return s;
  }
  StmtPtr stmt(P::StmtContext* c) {
    if (auto* i = c->ifStmt()) return ifStmt(i);
    StmtPtr s;
    if (auto* a = c->assignStmt()) {
      s = mk(StmtKind::Assign, a);
      for (auto* id : a->ID())
        s->targets.push_back(id->getText()), s->targetSpans.push_back(span(id));
      s->exprs.push_back(expr(a->expr()));
    } else if (auto* f = c->forStmt()) {
      s = mk(StmtKind::For, f, f->ID());
      s->exprs.push_back(expr(f->expr()));
      s->body = stmts(f->body()->stmt());
    } else if (auto* r = c->requireStmt()) {
      s = mk(StmtKind::Require, r);
      for (auto* e : r->expr())
        s->exprs.push_back(expr(e));
    } else if (auto* p = c->paramStmt()) {
      s = mk(StmtKind::ParamDecl, p, p->ID());
      s->isState = p->kind->getText() == "state";
      bool afterShape = false; // the expression after ']' is the initialiser
      for (auto* child : p->children) {
        if (auto* t = dynamic_cast<TerminalNode*>(child))
          afterShape |= t->getText() == "]";
        else if (auto* e = dynamic_cast<P::ExprContext*>(child))
          s->exprs.push_back(expr(e)), s->hasInit = afterShape;
      }
    } else {
      auto* l = c->lossStmt();
      s = mk(StmtKind::Loss, l, l->ID());
      s->exprs.push_back(expr(l->expr()));
    }
    return s;
  }

  StmtPtr ifStmt(P::IfStmtContext* c) {
    auto s = mk(StmtKind::If, c);
    s->exprs.push_back(expr(c->expr()));
    auto bodies = c->body();
    s->body = stmts(bodies[0]->stmt());
    if (auto* elif = c->ifStmt())
      s->elseBody.push_back(ifStmt(elif));
    else if (bodies.size() > 1)
      s->elseBody = stmts(bodies[1]->stmt());
    return s;
  }

  // ---- expressions ----

  /// Records the depth of a finished node; replaces one that is too deep by a placeholder.
  ExprPtr finish(ExprPtr e) {
    int d = 0;
    for (auto& o : e->operands)
      d = std::max(d, depth_[o.get()]);
    for (auto& k : e->kwargs)
      d = std::max(d, depth_[k.value.get()]);
    if (++d > kMaxExprDepth) {
      if (!depthReported_)
        diags_.error(e->span, "expression is nested too deeply (more than " +
                                  std::to_string(kMaxExprDepth) + " levels)");
      depthReported_ = true;
      e = node(ExprKind::Ident, e->span, "<error>");
      d = 1;
    }
    depth_[e.get()] = d;
    return e;
  }
  template <class... Ops>
  static ExprPtr node(ExprKind k, SourceSpan s, std::string text, Ops... ops) {
    auto e = std::make_unique<Expr>(k, s);
    e->text = std::move(text);
    (e->operands.push_back(std::move(ops)), ...);
    return e;
  }
  ExprPtr unary(const Token* op, ExprPtr x) {
    auto e = node(ExprKind::Unary, span(op), "", std::move(x));
    e->unaryOp = op->getText() == "-" ? ast::UnaryOp::Neg : ast::UnaryOp::Not;
    return finish(std::move(e));
  }
  ExprPtr binary(const Token* op, ExprPtr a, ExprPtr b) {
    static const char* kNames[] = {
        "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "//", "%", "@", "**"};
    auto e = node(ExprKind::Binary, span(op), "", std::move(a), std::move(b));
    for (int i = 0; i < 16; ++i)
      if (op->getText() == kNames[i]) e->binaryOp = static_cast<ast::BinaryOp>(i);
    return finish(std::move(e));
  }
  /// Left fold of `x (op x)*`, or applies the leading prefix operators of `op* x` (build: x).
  template <class Sub> ExprPtr fold(antlr4::ParserRuleContext* c, ExprPtr (Builder::*build)(Sub*)) {
    ExprPtr acc;
    const Token* op = nullptr;
    for (auto* child : c->children) {
      if (auto* t = dynamic_cast<TerminalNode*>(child))
        op = t->getSymbol();
      else
        acc = acc ? binary(op, std::move(acc), (this->*build)(static_cast<Sub*>(child)))
                  : (this->*build)(static_cast<Sub*>(child));
    }
    return acc;
  }
  template <class Sub>
  ExprPtr prefixed(antlr4::ParserRuleContext* c, Sub* operand, ExprPtr (Builder::*build)(Sub*)) {
    ExprPtr x = (this->*build)(operand);
    for (size_t i = c->children.size() - 1; i-- > 0;)
      x = unary(static_cast<TerminalNode*>(c->children[i])->getSymbol(), std::move(x));
    return x;
  }

  ExprPtr expr(P::ExprContext* c) {
    auto ors = c->orExpr();
    ExprPtr acc = orExpr(ors[0]);
    for (size_t i = 1; i < ors.size(); ++i)
      acc = pipe(std::move(acc), ors[i]);
    return acc;
  }
  /// The atom when an operand is nothing but one call or name (what `|>` accepts on its right).
  static P::AtomContext* soleAtom(P::OrExprContext* c) {
    if (c->andExpr().size() != 1 || c->andExpr(0)->notExpr().size() != 1) return nullptr;
    auto* n = c->andExpr(0)->notExpr(0);
    if (n->children.size() != 1 || n->cmpExpr()->addExpr().size() != 1) return nullptr;
    auto* add = n->cmpExpr()->addExpr(0);
    if (add->mulExpr().size() != 1 || add->mulExpr(0)->unaryExpr().size() != 1) return nullptr;
    auto* un = add->mulExpr(0)->unaryExpr(0);
    if (un->children.size() != 1 || un->powerExpr()->postfixExpr().size() != 1) return nullptr;
    auto* post = un->powerExpr()->postfixExpr(0);
    return post->postfixOp().empty() ? post->atom() : nullptr;
  }
  ExprPtr pipe(ExprPtr lhs, P::OrExprContext* rhs) {
    P::AtomContext* atom = soleAtom(rhs);
    if (auto* call = dynamic_cast<P::CallAtomContext*>(atom)) return callExpr(call, std::move(lhs));
    if (auto* id = dynamic_cast<P::IdentAtomContext*>(atom)) {
      auto e = node(ExprKind::Call, span(id->ID()), id->getText(), std::move(lhs));
      e->calleeSpan = e->span;
      e->piped = true;
      return finish(std::move(e));
    }
    diags_.error(extent(rhs), "the right side of |> must be a call like relu() or a name");
    orExpr(rhs); // still check it
    return lhs;
  }
  ExprPtr orExpr(P::OrExprContext* c) { return fold(c, &Builder::andExpr); }
  ExprPtr andExpr(P::AndExprContext* c) { return fold(c, &Builder::notExpr); }
  ExprPtr notExpr(P::NotExprContext* c) { return prefixed(c, c->cmpExpr(), &Builder::cmpExpr); }
  ExprPtr cmpExpr(P::CmpExprContext* c) {
    if (c->addExpr().size() > 2)
      diags_.error(span(static_cast<TerminalNode*>(c->children[3])),
                   "comparisons cannot be chained", {"write 'a < b and b < c' to test both"});
    return fold(c, &Builder::addExpr);
  }
  ExprPtr addExpr(P::AddExprContext* c) { return fold(c, &Builder::mulExpr); }
  ExprPtr mulExpr(P::MulExprContext* c) { return fold(c, &Builder::unaryExpr); }
  ExprPtr unaryExpr(P::UnaryExprContext* c) {
    return prefixed(c, c->powerExpr(), &Builder::powerExpr);
  }
  /// `p0 ** -p1 ** p2` is p0 ** (-(p1 ** p2)): folded from the right, minus signs included.
  ExprPtr powerExpr(P::PowerExprContext* c) {
    std::vector<antlr4::tree::ParseTree*> kids = c->children;
    size_t i = kids.size() - 1;
    ExprPtr acc = postfixExpr(static_cast<P::PostfixExprContext*>(kids[i]));
    while (i-- > 0) {
      auto* t = dynamic_cast<TerminalNode*>(kids[i]);
      if (t && t->getText() == "-")
        acc = unary(t->getSymbol(), std::move(acc));
      else if (t)
        acc = binary(t->getSymbol(), postfixExpr(static_cast<P::PostfixExprContext*>(kids[--i])),
                     std::move(acc));
    }
    return acc;
  }
  ExprPtr postfixExpr(P::PostfixExprContext* c) {
    ExprPtr acc = atom(c->atom());
    for (auto* op : c->postfixOp()) {
      SourceSpan s = extent(c->getStart(), op->getStop());
      if (auto* m = dynamic_cast<P::MemberOpContext*>(op))
        acc = finish(node(ExprKind::Member, s, m->ID()->getText(), std::move(acc)));
      else
        acc = finish(node(ExprKind::Index, s, "", std::move(acc),
                          expr(static_cast<P::IndexOpContext*>(op)->expr())));
    }
    return acc;
  }

  ExprPtr atom(P::AtomContext* c) {
    SourceSpan s = span(c->getStart());
    std::string t = c->getStart()->getText();
    if (dynamic_cast<P::IntAtomContext*>(c)) {
      auto e = node(ExprKind::Int, s, "");
      if (std::from_chars(t.data(), t.data() + t.size(), e->intValue).ec != std::errc())
        diags_.error(s, "integer literal " + t + " is too large",
                     {"integers are 64-bit: the largest is 9223372036854775807"});
      return finish(std::move(e));
    }
    if (dynamic_cast<P::FloatAtomContext*>(c)) {
      auto e = node(ExprKind::Float, s, "");
      if (std::from_chars(t.data(), t.data() + t.size(), e->floatValue).ec != std::errc())
        diags_.error(s, "float literal " + t + " is out of range");
      return finish(std::move(e));
    }
    if (dynamic_cast<P::StringAtomContext*>(c))
      return finish(node(ExprKind::String, s, unescape(c->getStart())));
    if (dynamic_cast<P::BoolAtomContext*>(c)) {
      auto e = node(ExprKind::Bool, s, "");
      e->boolValue = t == "true";
      return finish(std::move(e));
    }
    if (auto* a = dynamic_cast<P::CallAtomContext*>(c)) return callExpr(a, nullptr);
    if (dynamic_cast<P::IdentAtomContext*>(c)) return finish(node(ExprKind::Ident, s, t));
    if (auto* a = dynamic_cast<P::ListAtomContext*>(c)) {
      auto e = node(ExprKind::List, extent(a), "");
      for (auto* x : a->expr())
        e->operands.push_back(expr(x));
      return finish(std::move(e));
    }
    return expr(static_cast<P::ParenAtomContext*>(c)->expr());
  }

  /// `f(args)`; `piped` is the left side of `|>`, which becomes the first positional argument.
  ExprPtr callExpr(P::CallAtomContext* c, ExprPtr piped) {
    auto e = node(ExprKind::Call, extent(c), c->ID()->getText());
    e->calleeSpan = span(c->ID());
    if (piped) e->operands.push_back(std::move(piped)), e->piped = true;
    if (auto* args = c->argList()) {
      for (auto* a : args->arg()) {
        if (a->ID()) {
          std::string name = a->ID()->getText();
          for (auto& k : e->kwargs)
            if (k.name == name)
              diags_.error(span(a->ID()), "keyword argument '" + name + "' is given twice");
          e->kwargs.push_back({name, expr(a->expr()), span(a->ID())});
        } else {
          if (!e->kwargs.empty())
            diags_.error(extent(a), "positional argument after keyword argument",
                         {"pass positional arguments first, then name=value arguments"});
          e->operands.push_back(expr(a->expr()));
        }
      }
    }
    return finish(std::move(e));
  }

  /// The value of a STRING token; reports unknown escapes.
  std::string unescape(const Token* t) {
    std::string raw = t->getText(), out;
    for (size_t i = 1; i + 1 < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      char n = raw[++i];
      if (n == 'n')
        out += '\n';
      else if (n == '"' || n == '\\')
        out += n;
      else {
        SourceSpan s = span(t);
        s.col += codePoints(raw.substr(0, i - 1));
        s.len = 2;
        std::string seq = raw.substr(i - 1, 2);
        while (i + 1 < raw.size() - 1 && (static_cast<unsigned char>(raw[i + 1]) & 0xC0) == 0x80)
          seq += raw[++i];
        diags_.error(s, "unknown escape sequence '" + seq + "' in string",
                     {"the escapes are \\\", \\\\ and \\n"});
      }
    }
    return out;
  }

  const SourceManager& sm_;
  int32_t file_;
  DiagnosticEngine& diags_;
  std::unordered_map<const Expr*, int> depth_;
  bool depthReported_ = false;
};

} // namespace

Expected<ast::Module> parseSource(SourceManager& sm, int32_t fileId) {
  const std::string& text = sm.text(fileId);
  if (auto d = syntax::checkUtf8(text, fileId)) return Status::fromDiagnostics({*d});
  try {
    antlr4::ANTLRInputStream input(text);
    g::LlieLexer lexer(&input);
    syntax::SyntaxErrors errors(fileId);
    errors.attach(lexer);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (auto d = syntax::checkNesting(tokens, fileId)) return Status::fromDiagnostics({*d});

    P parser(&tokens);
    errors.attach(parser);
    P::Module_Context* tree = nullptr;
    try {
      tree = parser.module_();
    } catch (const antlr4::ParseCancellationException&) {
      // Too many errors: stop here, report what we have.
    }
    if (!errors.empty() || !tree) {
      std::vector<Diagnostic> diags = errors.take();
      if (diags.empty())
        diags.push_back({Severity::Error, {fileId, 1, 1, 1}, "cannot parse file", {}, {}});
      return Status::fromDiagnostics(std::move(diags));
    }
    DiagnosticEngine diags;
    Builder builder(sm, fileId, diags);
    ast::Module m = builder.module(tree);
    if (diags.hasErrors()) return diags.take();
    return m;
  } catch (const std::exception& e) {
    return Status::error(std::string("internal error while parsing: ") + e.what(),
                         {fileId, 1, 1, 1});
  }
}

Expected<ast::Module> parseFile(SourceManager& sm, const std::string& path) {
  // Already read (an import seen twice, or the caller registered it): parse the text we have.
  if (int32_t id = sm.find(path); id >= 0) return parseSource(sm, id);
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::error("cannot open '" + path + "': " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    text.append(buf, n);
  int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err) return Status::error("cannot open '" + path + "': " + std::strerror(err));
  return parseSource(sm, sm.add(path, std::move(text)));
}

} // namespace llie
