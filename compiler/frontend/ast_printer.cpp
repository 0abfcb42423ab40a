// printAst: the AST as indented text, one node per line, for `llie-compile --emit ast` and golden
// tests. The format is stable (no addresses, no source locations): two spaces per level; block
// parameters and parameter shapes are printed inline as source-like expressions, everything else
// as a tree. Strings are printed quoted and re-escaped, floats in shortest round-trip form.
#include "compiler/frontend/parse.h"

#include <charconv>
#include <sstream>

namespace llie {
namespace {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::Stmt;
using ast::StmtKind;

const char* binaryName(BinaryOp op) {
  switch (op) {
  case BinaryOp::Or:
    return "or";
  case BinaryOp::And:
    return "and";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::FloorDiv:
    return "//";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::Pow:
    return "**";
  }
  return "?";
}

const char* typeName(ast::TypeKind t) {
  switch (t) {
  case ast::TypeKind::Tensor:
    return "tensor";
  case ast::TypeKind::Int:
    return "int";
  case ast::TypeKind::Float:
    return "float";
  case ast::TypeKind::Bool:
    return "bool";
  case ast::TypeKind::String:
    return "string";
  case ast::TypeKind::List:
    return "list";
  }
  return "?";
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

std::string floatText(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0"; // keep 2.0 apart from the int 2
  return s;
}

/// Source-like text of an expression, fully parenthesised (for shapes and defaults).
std::string inlineExpr(const Expr& e) {
  auto join = [](const std::vector<ast::ExprPtr>& xs, size_t from) {
    std::string s;
    for (size_t i = from; i < xs.size(); ++i)
      s += (i > from ? ", " : "") + inlineExpr(*xs[i]);
    return s;
  };
  switch (e.kind) {
  case ExprKind::Int:
    return std::to_string(e.intValue);
  case ExprKind::Float:
    return floatText(e.floatValue);
  case ExprKind::String:
    return quote(e.text);
  case ExprKind::Bool:
    return e.boolValue ? "true" : "false";
  case ExprKind::Ident:
    return e.text;
  case ExprKind::List:
    return "[" + join(e.operands, 0) + "]";
  case ExprKind::Unary:
    return std::string(e.unaryOp == ast::UnaryOp::Neg ? "-" : "not ") + inlineExpr(*e.operands[0]);
  case ExprKind::Binary:
    return "(" + inlineExpr(*e.operands[0]) + " " + binaryName(e.binaryOp) + " " +
           inlineExpr(*e.operands[1]) + ")";
  case ExprKind::Call: {
    std::string s = e.text + "(" + join(e.operands, 0);
    for (size_t i = 0; i < e.kwargs.size(); ++i)
      s += (i > 0 || !e.operands.empty() ? ", " : "") + e.kwargs[i].name + "=" +
           inlineExpr(*e.kwargs[i].value);
    return s + ")";
  }
  case ExprKind::Member:
    return inlineExpr(*e.operands[0]) + "." + e.text;
  case ExprKind::Index:
    return inlineExpr(*e.operands[0]) + "[" + inlineExpr(*e.operands[1]) + "]";
  }
  return "?";
}

std::string shapeText(const std::vector<ast::ExprPtr>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + inlineExpr(*dims[i]);
  return s + "]";
}

class Printer {
public:
  std::string str() const { return os_.str(); }

  void module(const ast::Module& m) {
    line(0, "module " + m.path);
    for (auto& i : m.imports)
      line(1, "import " + quote(i.path));
    for (auto& l : m.lets) {
      line(1, "let " + l.name);
      expr(2, *l.value);
    }
    for (auto& d : m.decls)
      decl(1, d);
  }

private:
  void line(int depth, const std::string& text) {
    os_ << std::string(2 * depth, ' ') << text << "\n";
  }

  void decl(int d, const ast::BlockDecl& b) {
    const char* kind = b.kind == ast::DeclKind::Model   ? "model"
                       : b.kind == ast::DeclKind::Train ? "train"
                                                        : "block";
    std::string head = std::string(kind) + " " + b.name;
    if (b.outputs.size() == 1) head += " -> " + b.outputs[0];
    if (b.outputs.size() > 1) {
      head += " -> (";
      for (size_t i = 0; i < b.outputs.size(); ++i)
        head += (i ? ", " : "") + b.outputs[i];
      head += ")";
    }
    line(d, head);
    for (auto& p : b.params) {
      std::string s = "param " + p.name + ": " + typeName(p.type);
      if (!p.shape.empty()) s += " " + shapeText(p.shape);
      if (p.defaultValue) s += " = " + inlineExpr(*p.defaultValue);
      line(d + 1, s);
    }
    for (auto& s : b.body)
      stmt(d + 1, *s);
  }

  void stmts(int d, const std::vector<ast::StmtPtr>& body) {
    for (auto& s : body)
      stmt(d, *s);
  }

  void stmt(int d, const Stmt& s) {
    switch (s.kind) {
    case StmtKind::Assign: {
      std::string t;
      for (size_t i = 0; i < s.targets.size(); ++i)
        t += (i ? ", " : "") + s.targets[i];
      line(d, "assign " + t);
      expr(d + 1, *s.exprs[0]);
      break;
    }
    case StmtKind::If:
      line(d, "if");
      expr(d + 1, *s.exprs[0]);
      line(d + 1, "then");
      stmts(d + 2, s.body);
      if (!s.elseBody.empty()) {
        line(d + 1, "else");
        stmts(d + 2, s.elseBody);
      }
      break;
    case StmtKind::For:
      line(d, "for " + s.targets[0]);
      expr(d + 1, *s.exprs[0]);
      line(d + 1, "do");
      stmts(d + 2, s.body);
      break;
    case StmtKind::Require:
      line(d, "require");
      for (auto& e : s.exprs)
        expr(d + 1, *e);
      break;
    case StmtKind::ParamDecl: {
      size_t dims = s.exprs.size() - (s.hasInit ? 1 : 0);
      std::string shape = "[";
      for (size_t i = 0; i < dims; ++i)
        shape += (i ? ", " : "") + inlineExpr(*s.exprs[i]);
      line(d, std::string(s.isState ? "state " : "param ") + s.targets[0] + " " + shape + "]");
      if (s.hasInit) {
        line(d + 1, "init");
        expr(d + 2, *s.exprs.back());
      }
      break;
    }
    case StmtKind::Loss:
      line(d, "loss " + s.targets[0]);
      expr(d + 1, *s.exprs[0]);
      break;
    }
  }

  void expr(int d, const Expr& e) {
    switch (e.kind) {
    case ExprKind::Int:
      line(d, "int " + std::to_string(e.intValue));
      return;
    case ExprKind::Float:
      line(d, "float " + floatText(e.floatValue));
      return;
    case ExprKind::String:
      line(d, "string " + quote(e.text));
      return;
    case ExprKind::Bool:
      line(d, std::string("bool ") + (e.boolValue ? "true" : "false"));
      return;
    case ExprKind::Ident:
      line(d, "ident " + e.text);
      return;
    case ExprKind::List:
      line(d, "list");
      break;
    case ExprKind::Unary:
      line(d, e.unaryOp == ast::UnaryOp::Neg ? "neg" : "not");
      break;
    case ExprKind::Binary:
      line(d, std::string("binary ") + binaryName(e.binaryOp));
      break;
    case ExprKind::Call:
      line(d, "call " + e.text + (e.piped ? " (piped)" : ""));
      break;
    case ExprKind::Member:
      line(d, "member " + e.text);
      break;
    case ExprKind::Index:
      line(d, "index");
      break;
    }
    for (auto& o : e.operands)
      expr(d + 1, *o);
    for (auto& k : e.kwargs) {
      line(d + 1, "kwarg " + k.name);
      expr(d + 2, *k.value);
    }
  }

  std::ostringstream os_;
};

} // namespace

std::string printAst(const ast::Module& m) {
  Printer p;
  p.module(m);
  return p.str();
}

} // namespace llie
