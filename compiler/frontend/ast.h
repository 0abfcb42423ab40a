// The .llie abstract syntax tree: plain structs, each with the SourceSpan it was parsed from.
// The parser (parse.cpp, an ANTLR visitor) builds it; elaborate.cpp turns it into graph IR.
// Syntactic sugar is removed by the parser: `x |> f(a)` becomes the call `f(x, a)` (marked
// `piped` so the AST printer can show where it came from), and `x |> f` becomes `f(x)`.
#pragma once
#include "compiler/support/source_span.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llie::ast {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

enum class ExprKind { Int, Float, String, Bool, Ident, List, Unary, Binary, Call, Member, Index };

enum class UnaryOp { Neg, Not };
/// Binary operators, lowest to highest precedence group:
/// or | and | == != < <= > >= | + - | * / // % @ | ** (right-assoc).
enum class BinaryOp {
  Or,
  And,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Add,
  Sub,
  Mul,
  Div,
  FloorDiv,
  Mod,
  MatMul,
  Pow
};

struct KeywordArg {
  std::string name;
  ExprPtr value;
  SourceSpan span; ///< span of the keyword name
};

struct Expr {
  ExprKind kind;
  SourceSpan span;
  // Literals.
  int64_t intValue = 0;
  double floatValue = 0.0;
  bool boolValue = false;
  std::string text; ///< Ident name, String value (unescaped), Call callee, Member field name.
  // Operators.
  UnaryOp unaryOp = UnaryOp::Neg;
  BinaryOp binaryOp = BinaryOp::Add;
  /// Unary: [operand]. Binary: [lhs, rhs]. List: elements. Call: positional args.
  /// Member: [object]. Index: [object, index].
  std::vector<ExprPtr> operands;
  std::vector<KeywordArg> kwargs; ///< Call only.
  bool piped = false;             ///< Call only: first positional arg came from `|>`.
  SourceSpan calleeSpan;          ///< Call only: span of the callee name (for "unknown op").

  explicit Expr(ExprKind k, SourceSpan s = {}) : kind(k), span(s) {}
};

enum class StmtKind { Assign, If, For, Require, ParamDecl, Loss };

struct Stmt {
  StmtKind kind;
  SourceSpan span;
  /// Assign: 1+ target names (`a, b = f(x)` destructures several outputs).
  /// For: targets[0] is the loop variable. ParamDecl / Loss: targets[0] is the declared name.
  std::vector<std::string> targets;
  std::vector<SourceSpan> targetSpans;
  /// Assign/Loss: [value]. If: [condition]. For: [iterable]. Require: the constraints.
  /// ParamDecl: the shape dims, then the initialiser last when `hasInit`.
  std::vector<ExprPtr> exprs;
  std::vector<StmtPtr> body;     ///< If: then-branch. For: loop body.
  std::vector<StmtPtr> elseBody; ///< If: else-branch (an `else if` is one nested If).
  bool isState = false;          ///< ParamDecl: `state` (not learnable) instead of `param`.
  bool hasInit = false;          ///< ParamDecl: `= init` given.

  explicit Stmt(StmtKind k, SourceSpan s = {}) : kind(k), span(s) {}
};

/// The declared type of a block parameter.
enum class TypeKind { Tensor, Int, Float, Bool, String, List };

struct Param {
  std::string name;
  SourceSpan span;
  TypeKind type = TypeKind::Tensor; ///< an untyped parameter is a tensor
  /// Tensor only: `x: [N, 3, H, W]`; each dim is an Ident (a symbol) or an integer expression.
  /// Empty when the tensor's shape is not annotated.
  std::vector<ExprPtr> shape;
  ExprPtr defaultValue; ///< may be null
};

enum class DeclKind { Block, Model, Train };

/// `block|model|train Name(params) -> (outs) { body }` (train entries have no outputs).
struct BlockDecl {
  DeclKind kind = DeclKind::Block;
  std::string name;
  SourceSpan span; ///< span of the name
  std::vector<Param> params;
  std::vector<std::string> outputs;
  std::vector<SourceSpan> outputSpans;
  std::vector<StmtPtr> body;
};

/// `import "path.llie"`: resolved relative to the importing file, then to each search path.
struct Import {
  std::string path;
  SourceSpan span;
};

/// `let name = expr` at file level: a compile-time constant visible to every block in the file.
struct Let {
  std::string name;
  SourceSpan span;
  ExprPtr value;
};

/// One parsed file.
struct Module {
  std::string path;
  int32_t fileId = -1;
  std::vector<Import> imports;
  std::vector<Let> lets;
  std::vector<BlockDecl> decls;
};

} // namespace llie::ast
