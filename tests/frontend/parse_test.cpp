// Parsing valid .llie text: the AST the parser builds from the shipped models (zero_dce,
// sadfpn_unet, std/nn) and from small snippets covering precedence, |> desugaring, statements,
// literals and spans, plus the stability of printAst. Expressions are compared through a compact
// s-expression rendering, e.g. `a + b * c` -> "(+ a (* b c))".
#include "compiler/frontend/parse.h"

#include <gtest/gtest.h>

using namespace llie;
using ast::Expr;
using ast::ExprKind;
using ast::Stmt;
using ast::StmtKind;

namespace {

std::string modelPath(const std::string& rel) {
  return std::string(LLIE_SOURCE_DIR) + "/models/" + rel;
}

ast::Module parseOk(SourceManager& sm, const std::string& text) {
  auto r = parseSource(sm, sm.add("test.llie", text));
  EXPECT_TRUE(r.ok()) << renderStatus(sm, r.status());
  return r.ok() ? std::move(r.value()) : ast::Module{};
}

ast::Module parseModel(SourceManager& sm, const std::string& rel) {
  auto r = parseFile(sm, modelPath(rel));
  EXPECT_TRUE(r.ok()) << renderStatus(sm, r.status());
  return r.ok() ? std::move(r.value()) : ast::Module{};
}

const char* opName(ast::BinaryOp op) {
  static const char* names[] = {
      "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "//", "%", "@", "**"};
  return names[static_cast<int>(op)];
}

/// Compact rendering: idents bare, calls as (call f args... k=v), `^` marks a piped call.
std::string sx(const Expr& e) {
  std::string s;
  switch (e.kind) {
  case ExprKind::Int:
    return std::to_string(e.intValue);
  case ExprKind::Float:
    return "f" + std::to_string(e.floatValue);
  case ExprKind::String:
    return "\"" + e.text + "\"";
  case ExprKind::Bool:
    return e.boolValue ? "true" : "false";
  case ExprKind::Ident:
    return e.text;
  case ExprKind::List:
    s = "[list";
    break;
  case ExprKind::Unary:
    s = e.unaryOp == ast::UnaryOp::Neg ? "(neg" : "(not";
    break;
  case ExprKind::Binary:
    s = std::string("(") + opName(e.binaryOp);
    break;
  case ExprKind::Call:
    s = std::string(e.piped ? "(call^ " : "(call ") + e.text;
    break;
  case ExprKind::Member:
    s = "(. " + e.text;
    break;
  case ExprKind::Index:
    s = "(index";
    break;
  }
  for (auto& o : e.operands)
    s += " " + sx(*o);
  for (auto& k : e.kwargs)
    s += " " + k.name + "=" + sx(*k.value);
  return s + (e.kind == ExprKind::List ? "]" : ")");
}

/// The value of `let v = <expr>` parsed on its own.
std::string exprOf(const std::string& expr) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "let v = " + expr + "\n");
  if (m.lets.size() != 1) return "<no let>";
  return sx(*m.lets[0].value);
}

} // namespace

// ---- the shipped models ------------------------------------------------------------------------

TEST(ParseZeroDce, ModelSignatureHasTwoParamsAndThreeOutputs) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "zero_dce.llie");
  ASSERT_EQ(m.decls.size(), 2u); // the model, then its train entry
  ASSERT_EQ(m.imports.size(), 1u);
  EXPECT_EQ(m.imports[0].path, "std/losses.llie");
  EXPECT_EQ(m.decls[1].kind, ast::DeclKind::Train);
  EXPECT_EQ(m.decls[1].name, "ZeroDCETrain");
  const ast::BlockDecl& d = m.decls[0];
  EXPECT_EQ(d.kind, ast::DeclKind::Model);
  EXPECT_EQ(d.name, "ZeroDCE");
  EXPECT_EQ(d.span, (SourceSpan{m.fileId, 6, 7, 7}));
  EXPECT_EQ(d.outputs, (std::vector<std::string>{"enhanced", "A", "y4"}));
  ASSERT_EQ(d.params.size(), 2u);
  const ast::Param& x = d.params[0];
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.type, ast::TypeKind::Tensor);
  ASSERT_EQ(x.shape.size(), 4u);
  EXPECT_EQ(sx(*x.shape[0]), "N");
  EXPECT_EQ(sx(*x.shape[1]), "3");
  EXPECT_EQ(sx(*x.shape[3]), "W");
  EXPECT_EQ(x.defaultValue, nullptr);
  const ast::Param& it = d.params[1];
  EXPECT_EQ(it.name, "iterations");
  EXPECT_EQ(it.type, ast::TypeKind::Int);
  ASSERT_NE(it.defaultValue, nullptr);
  EXPECT_EQ(it.defaultValue->kind, ExprKind::Int);
  EXPECT_EQ(it.defaultValue->intValue, 8);
}

TEST(ParseZeroDce, PipeChainBecomesNestedPipedCalls) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "zero_dce.llie");
  ASSERT_EQ(m.decls.size(), 2u);
  const Stmt& s = *m.decls[0].body[0];
  ASSERT_EQ(s.kind, StmtKind::Assign);
  EXPECT_EQ(s.targets, (std::vector<std::string>{"x1"}));
  const Expr& relu = *s.exprs[0];
  EXPECT_EQ(sx(relu), "(call^ relu (call^ conv2d x 32 3 padding=1 name=\"e_conv1\"))");
  EXPECT_TRUE(relu.piped);
  ASSERT_EQ(relu.operands.size(), 1u);
  const Expr& conv = *relu.operands[0];
  EXPECT_TRUE(conv.piped);
  ASSERT_EQ(conv.kwargs.size(), 2u);
  EXPECT_EQ(conv.kwargs[0].name, "padding");
  EXPECT_EQ(conv.kwargs[1].name, "name");
  // The call's span starts at its name; the callee span is the name alone.
  EXPECT_EQ(conv.calleeSpan, (SourceSpan{m.fileId, 7, 14, 6}));
  EXPECT_EQ(conv.span.line, 7);
  EXPECT_EQ(conv.span.col, 14);
  EXPECT_EQ(conv.span.len,
            static_cast<int32_t>(std::string("conv2d(32, 3, padding=1, name=\"e_conv1\")").size()));
  EXPECT_EQ(conv.kwargs[1].span, (SourceSpan{m.fileId, 7, 39, 4}));
}

TEST(ParseZeroDce, CurveLoopHoldsUpdateAndNestedIf) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "zero_dce.llie");
  ASSERT_EQ(m.decls.size(), 2u);
  auto& body = m.decls[0].body;
  ASSERT_EQ(body.size(), 11u);
  EXPECT_EQ(sx(*body[6]->exprs[0]),
            "(call^ tanh (call^ conv2d (call concat x1 x6) (* 3 iterations) 3 padding=1 "
            "name=\"e_conv7\"))");
  EXPECT_EQ(sx(*body[7]->exprs[0]), "(call split A 3 axis=1)");
  const Stmt& loop = *body[9];
  ASSERT_EQ(loop.kind, StmtKind::For);
  EXPECT_EQ(loop.targets[0], "n");
  EXPECT_EQ(sx(*loop.exprs[0]), "(call range iterations)");
  ASSERT_EQ(loop.body.size(), 2u);
  EXPECT_EQ(sx(*loop.body[0]->exprs[0]), "(+ y (* (index alphas n) (- (* y y) y)))");
  const Stmt& cond = *loop.body[1];
  ASSERT_EQ(cond.kind, StmtKind::If);
  EXPECT_EQ(sx(*cond.exprs[0]), "(== n 3)");
  ASSERT_EQ(cond.body.size(), 1u);
  EXPECT_EQ(cond.body[0]->targets[0], "y4");
  EXPECT_TRUE(cond.elseBody.empty());
  EXPECT_EQ(body[10]->targets[0], "enhanced");
}

TEST(ParseSadFpnUnet, ImportRequireListsLoopsAndIndexing) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "sadfpn_unet.llie");
  ASSERT_EQ(m.imports.size(), 2u);
  EXPECT_EQ(m.imports[0].path, "std/nn.llie");
  EXPECT_EQ(m.imports[0].span, (SourceSpan{m.fileId, 6, 8, 13}));
  EXPECT_EQ(m.imports[1].path, "std/losses.llie");
  ASSERT_EQ(m.decls.size(), 2u); // the model, then its train entry
  EXPECT_EQ(m.decls[1].kind, ast::DeclKind::Train);
  const ast::BlockDecl& d = m.decls[0];
  EXPECT_EQ(d.name, "SadFpnUnet");
  EXPECT_EQ(d.outputs, (std::vector<std::string>{"y", "e1", "e2", "e3", "e4"}));
  ASSERT_EQ(d.params.size(), 2u);
  EXPECT_EQ(d.params[0].shape.size(), 4u);
  EXPECT_EQ(d.params[1].name, "slim");
  auto& body = d.body;
  ASSERT_EQ(body.size(), 15u);
  ASSERT_EQ(body[0]->kind, StmtKind::Require);
  ASSERT_EQ(body[0]->exprs.size(), 2u);
  EXPECT_EQ(sx(*body[0]->exprs[1]), "(== (% W 16) 0)");
  EXPECT_EQ(sx(*body[1]->exprs[0]), "(// 64 slim)");
  EXPECT_EQ(sx(*body[2]->exprs[0]),
            "(call^ ConvBN (call^ ConvBN x c name=\"stem.0\") c name=\"stem.1\")");
  EXPECT_EQ(sx(*body[3]->exprs[0]),
            "(call^ InvertedResidual (call^ InvertedResidual e0 c stride=2) c)");
  EXPECT_EQ(sx(*body[7]->exprs[0]), "[list e0 e1 e2 e3 e4]");
  EXPECT_EQ(sx(*body[9]->exprs[0]), "[list]");
  const Stmt& fpn = *body[10];
  ASSERT_EQ(fpn.kind, StmtKind::For);
  EXPECT_EQ(sx(*fpn.exprs[0]), "[list 3 2 1 0]");
  ASSERT_EQ(fpn.body.size(), 2u);
  EXPECT_EQ(sx(*fpn.body[0]->exprs[0]),
            "(+ (call conv2d (index e i) c 1 name=\"fpn.lateral.{i}\") "
            "(call upsample p 2 mode=\"nearest\"))");
  EXPECT_EQ(sx(*fpn.body[1]->exprs[0]), "(+ [list p] ps)");
  EXPECT_EQ(sx(*body[14]->exprs[0]),
            "(call^ sigmoid (call^ conv2d d 3 3 padding=1 name=\"head\"))");
}

TEST(ParseStdNn, ElseIfIsANestedIfInTheElseBody) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "std/nn.llie");
  ASSERT_EQ(m.decls.size(), 2u);
  const ast::BlockDecl& conv = m.decls[0];
  EXPECT_EQ(conv.kind, ast::DeclKind::Block);
  EXPECT_EQ(conv.name, "ConvBN");
  EXPECT_EQ(conv.outputs, (std::vector<std::string>{"y"}));
  ASSERT_EQ(conv.params.size(), 6u);
  EXPECT_EQ(conv.params[0].type, ast::TypeKind::Tensor);
  EXPECT_TRUE(conv.params[0].shape.empty());
  EXPECT_EQ(conv.params[1].type, ast::TypeKind::Int);
  EXPECT_EQ(conv.params[1].defaultValue, nullptr);
  EXPECT_EQ(conv.params[5].type, ast::TypeKind::String);
  EXPECT_EQ(sx(*conv.params[5].defaultValue), "\"relu\"");
  ASSERT_EQ(conv.body.size(), 2u);
  EXPECT_EQ(sx(*conv.body[0]->exprs[0]),
            "(call^ batchnorm (call^ conv2d x cout k stride=stride padding=(// k 2) "
            "groups=groups bias=false name=\"conv\") name=\"bn\")");
  const Stmt& outer = *conv.body[1];
  ASSERT_EQ(outer.kind, StmtKind::If);
  EXPECT_EQ(sx(*outer.exprs[0]), "(== act \"relu\")");
  ASSERT_EQ(outer.elseBody.size(), 1u);
  const Stmt& inner = *outer.elseBody[0];
  ASSERT_EQ(inner.kind, StmtKind::If);
  EXPECT_EQ(sx(*inner.exprs[0]), "(== act \"relu6\")");
  EXPECT_EQ(sx(*inner.body[0]->exprs[0]), "(call relu6 y)");
  EXPECT_TRUE(inner.elseBody.empty());

  const ast::BlockDecl& ir = m.decls[1];
  EXPECT_EQ(ir.name, "InvertedResidual");
  EXPECT_EQ(sx(*ir.body[3]->exprs[0]), "(and (== stride 1) (== cin cout))");
  EXPECT_EQ(ir.body[3]->elseBody.size(), 1u);
  EXPECT_EQ(ir.body[3]->elseBody[0]->kind, StmtKind::Assign);
}

// ---- expressions -------------------------------------------------------------------------------

TEST(ParseExpr, PowerIsRightAssociativeAndBindsTighterThanMultiply) {
  EXPECT_EQ(exprOf("a + b * c ** 2 ** 3"), "(+ a (* b (** c (** 2 3))))");
  EXPECT_EQ(exprOf("(a + b) * c"), "(* (+ a b) c)");
}

TEST(ParseExpr, UnaryMinusBindsLooserThanPower) {
  EXPECT_EQ(exprOf("-x ** 2"), "(neg (** x 2))");
  EXPECT_EQ(exprOf("2 ** -x ** 2"), "(** 2 (neg (** x 2)))");
  EXPECT_EQ(exprOf("- -x * y"), "(* (neg (neg x)) y)");
  EXPECT_EQ(exprOf("a - -b"), "(- a (neg b))");
}

TEST(ParseExpr, MultiplicativeOperatorsAreLeftAssociative) {
  EXPECT_EQ(exprOf("a @ b // c % d / e * f"), "(* (/ (% (// (@ a b) c) d) e) f)");
  EXPECT_EQ(exprOf("a - b + c"), "(+ (- a b) c)");
}

TEST(ParseExpr, LogicalOperatorsSitBelowComparisons) {
  EXPECT_EQ(exprOf("a or b and not c == d"), "(or a (and b (not (== c d))))");
  EXPECT_EQ(exprOf("not not a"), "(not (not a))");
  EXPECT_EQ(exprOf("a < b or a >= c and b != d"), "(or (< a b) (and (>= a c) (!= b d)))");
  EXPECT_EQ(exprOf("a <= b + 1"), "(<= a (+ b 1))");
}

TEST(ParseExpr, PipeIsLowestAndAcceptsBareNames) {
  EXPECT_EQ(exprOf("x |> f"), "(call^ f x)");
  EXPECT_EQ(exprOf("a + b |> f(1, k=2) |> g"), "(call^ g (call^ f (+ a b) 1 k=2))");
  EXPECT_EQ(exprOf("f(x |> g())"), "(call f (call^ g x))");
}

TEST(ParseExpr, MemberAndIndexChainLeftToRight) {
  EXPECT_EQ(exprOf("x.shape[0]"), "(index (. shape x) 0)");
  EXPECT_EQ(exprOf("f(x)[1].w ** 2"), "(** (. w (index (call f x) 1)) 2)");
  EXPECT_EQ(exprOf("-a[i]"), "(neg (index a i))");
}

TEST(ParseExpr, CallsListsAndTrailingCommas) {
  EXPECT_EQ(exprOf("f()"), "(call f)");
  EXPECT_EQ(exprOf("f(1, 2,)"), "(call f 1 2)");
  EXPECT_EQ(exprOf("f(a, k=[1, 2,], m=true,)"), "(call f a k=[list 1 2] m=true)");
  EXPECT_EQ(exprOf("[]"), "[list]");
  EXPECT_EQ(exprOf("[[1], [2, 3]]"), "[list [list 1] [list 2 3]]");
}

TEST(ParseExpr, StringEscapesAreStoredUnescaped) {
  SourceManager sm;
  ast::Module m = parseOk(sm, R"(let s = "a\"b\\c\nd" let e = "" let u = "ünï")");
  ASSERT_EQ(m.lets.size(), 3u);
  EXPECT_EQ(m.lets[0].value->kind, ExprKind::String);
  EXPECT_EQ(m.lets[0].value->text, "a\"b\\c\nd");
  EXPECT_EQ(m.lets[0].value->span, (SourceSpan{m.fileId, 1, 9, 12}));
  EXPECT_EQ(m.lets[1].value->text, "");
  EXPECT_EQ(m.lets[2].value->text, "ünï");
  // Columns count characters, not bytes.
  EXPECT_EQ(m.lets[2].value->span.len, 5);
}

TEST(ParseExpr, FloatFormsAndIntLimits) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "let a = 1.5 let b = 1e-3 let c = .5 let d = 2. let e = 1E+2 "
                              "let f = 3.25e1 let g = 9223372036854775807 let h = 0");
  ASSERT_EQ(m.lets.size(), 8u);
  const double want[] = {1.5, 1e-3, 0.5, 2.0, 100.0, 32.5};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(m.lets[i].value->kind, ExprKind::Float) << m.lets[i].name;
    EXPECT_DOUBLE_EQ(m.lets[i].value->floatValue, want[i]) << m.lets[i].name;
  }
  EXPECT_EQ(m.lets[6].value->kind, ExprKind::Int);
  EXPECT_EQ(m.lets[6].value->intValue, INT64_MAX);
  EXPECT_EQ(m.lets[7].value->intValue, 0);
}

TEST(ParseExpr, BinarySpanIsTheOperatorAndUnarySpanIsItsToken) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "let v = a +\n  b // c");
  ASSERT_EQ(m.lets.size(), 1u);
  const Expr& add = *m.lets[0].value;
  EXPECT_EQ(add.span, (SourceSpan{m.fileId, 1, 11, 1}));
  EXPECT_EQ(add.operands[1]->span, (SourceSpan{m.fileId, 2, 5, 2}));
  EXPECT_EQ(add.operands[1]->operands[1]->span, (SourceSpan{m.fileId, 2, 8, 1}));
  ast::Module n = parseOk(sm, "let v = not x");
  EXPECT_EQ(n.lets[0].value->span, (SourceSpan{n.fileId, 1, 9, 3}));
}

// ---- statements and declarations ---------------------------------------------------------------

TEST(ParseStmt, DestructuringAssignmentKeepsEveryTarget) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "block B(x) -> (a, b,) {\n  a, b = split(x, 2);\n}\n");
  ASSERT_EQ(m.decls.size(), 1u);
  EXPECT_EQ(m.decls[0].outputs, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(m.decls[0].body.size(), 1u);
  const Stmt& s = *m.decls[0].body[0];
  EXPECT_EQ(s.kind, StmtKind::Assign);
  EXPECT_EQ(s.targets, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(s.targetSpans.size(), 2u);
  EXPECT_EQ(s.targetSpans[1], (SourceSpan{m.fileId, 2, 6, 1}));
  EXPECT_EQ(sx(*s.exprs[0]), "(call split x 2)");
}

TEST(ParseStmt, TrainBlockWithParamStateLossAndRequire) {
  SourceManager sm;
  ast::Module m = parseOk(sm, R"(
train Fit(x: tensor, lr: float = 0.001, tags: list = [], on: bool = true,) {
  require lr > 0, true
  param w: [3, 3] = randn(3, 3)
  state count: [1]
  y = x @ w ; z = y
  loss l = mean((y - x) ** 2)
  for i in range(2) { z = z + i }
})");
  ASSERT_EQ(m.decls.size(), 1u);
  const ast::BlockDecl& d = m.decls[0];
  EXPECT_EQ(d.kind, ast::DeclKind::Train);
  EXPECT_TRUE(d.outputs.empty());
  ASSERT_EQ(d.params.size(), 4u);
  EXPECT_EQ(d.params[0].type, ast::TypeKind::Tensor);
  EXPECT_EQ(d.params[1].type, ast::TypeKind::Float);
  EXPECT_EQ(d.params[2].type, ast::TypeKind::List);
  EXPECT_EQ(d.params[3].type, ast::TypeKind::Bool);
  ASSERT_EQ(d.body.size(), 7u);

  const Stmt& req = *d.body[0];
  EXPECT_EQ(req.kind, StmtKind::Require);
  ASSERT_EQ(req.exprs.size(), 2u);
  EXPECT_EQ(sx(*req.exprs[0]), "(> lr 0)");

  const Stmt& w = *d.body[1];
  EXPECT_EQ(w.kind, StmtKind::ParamDecl);
  EXPECT_FALSE(w.isState);
  EXPECT_TRUE(w.hasInit);
  EXPECT_EQ(w.targets[0], "w");
  ASSERT_EQ(w.exprs.size(), 3u);
  EXPECT_EQ(sx(*w.exprs[2]), "(call randn 3 3)");

  const Stmt& st = *d.body[2];
  EXPECT_EQ(st.kind, StmtKind::ParamDecl);
  EXPECT_TRUE(st.isState);
  EXPECT_FALSE(st.hasInit);
  ASSERT_EQ(st.exprs.size(), 1u);

  EXPECT_EQ(sx(*d.body[3]->exprs[0]), "(@ x w)");
  EXPECT_EQ(d.body[4]->targets[0], "z");
  const Stmt& loss = *d.body[5];
  EXPECT_EQ(loss.kind, StmtKind::Loss);
  EXPECT_EQ(loss.targets[0], "l");
  EXPECT_EQ(sx(*loss.exprs[0]), "(call mean (** (- y x) 2))");
  EXPECT_EQ(d.body[6]->kind, StmtKind::For);
  EXPECT_EQ(d.body[6]->body.size(), 1u);
}

TEST(ParseStmt, SemicolonMayEndAnyStatementAndEndsARequireList) {
  SourceManager sm;
  // Without the ';' (or with a ',' there) the require list would run on into `c, d`.
  ast::Module m = parseOk(sm, "train T(a, b) {\n"
                              "  require a, b; c, d = f()\n"
                              "  require a;\n"
                              "  param w: [2] = zeros(2);\n"
                              "  state s: [1];\n"
                              "  loss l = mean(w);\n"
                              "  for i in range(2) { c = c + i; };\n"
                              "  if a { c = d; } else { d = c };\n"
                              "}\n");
  ASSERT_EQ(m.decls.size(), 1u);
  const auto& body = m.decls[0].body;
  ASSERT_EQ(body.size(), 8u);
  EXPECT_EQ(body[0]->kind, StmtKind::Require);
  ASSERT_EQ(body[0]->exprs.size(), 2u);
  EXPECT_EQ(sx(*body[0]->exprs[1]), "b");
  EXPECT_EQ(body[1]->kind, StmtKind::Assign);
  EXPECT_EQ(body[1]->targets, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(sx(*body[1]->exprs[0]), "(call f)");
  EXPECT_EQ(body[2]->kind, StmtKind::Require);
  EXPECT_EQ(body[3]->kind, StmtKind::ParamDecl);
  EXPECT_TRUE(body[4]->isState);
  EXPECT_EQ(body[5]->kind, StmtKind::Loss);
  EXPECT_EQ(body[6]->kind, StmtKind::For);
  EXPECT_EQ(body[6]->body.size(), 1u);
  EXPECT_EQ(body[7]->kind, StmtKind::If);
  EXPECT_EQ(body[7]->elseBody.size(), 1u);
  // A statement's span stops before its ';'.
  EXPECT_EQ(body[2]->span, (SourceSpan{m.fileId, 3, 3, 9}));
}

TEST(ParseStmt, ElseIfElseChainNestsAndPlainElseIsABody) {
  SourceManager sm;
  ast::Module m =
      parseOk(sm, "block B(x) -> y {\n"
                  "  if a { y = 1 } else if b { y = 2 } else if c { y = 3 } else { y = 4 }\n"
                  "}\n");
  ASSERT_EQ(m.decls.size(), 1u);
  const Stmt* s = m.decls[0].body[0].get();
  for (const char* cond : {"a", "b", "c"}) {
    ASSERT_EQ(s->kind, StmtKind::If);
    EXPECT_EQ(sx(*s->exprs[0]), cond);
    ASSERT_EQ(s->elseBody.size(), 1u);
    s = s->elseBody[0].get();
  }
  EXPECT_EQ(s->kind, StmtKind::Assign);
  EXPECT_EQ(sx(*s->exprs[0]), "4");
}

TEST(ParseModule, ImportsLetsCommentsAndFreeLayout) {
  SourceManager sm;
  ast::Module m = parseOk(sm, R"(# header comment
import "std/nn.llie"   # trailing comment
let eps = 1e-5
let sizes = [1, 2, 4,]
block Id(x) -> y { y = x }   model M(x: [N, C, H // 2, 8]) -> y {
  y = Id(
    x,   # arguments may span lines
  )
}
)");
  ASSERT_EQ(m.imports.size(), 1u);
  EXPECT_EQ(m.imports[0].path, "std/nn.llie");
  ASSERT_EQ(m.lets.size(), 2u);
  EXPECT_EQ(m.lets[0].name, "eps");
  EXPECT_EQ(m.lets[0].span, (SourceSpan{m.fileId, 3, 5, 3}));
  EXPECT_EQ(sx(*m.lets[1].value), "[list 1 2 4]");
  ASSERT_EQ(m.decls.size(), 2u);
  EXPECT_EQ(m.decls[1].kind, ast::DeclKind::Model);
  ASSERT_EQ(m.decls[1].params[0].shape.size(), 4u);
  EXPECT_EQ(sx(*m.decls[1].params[0].shape[2]), "(// H 2)");
  EXPECT_EQ(sx(*m.decls[1].body[0]->exprs[0]), "(call Id x)");
}

TEST(ParseModule, EmptySourceIsAnEmptyModule) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "  # nothing here\n");
  EXPECT_TRUE(m.decls.empty());
  EXPECT_TRUE(m.lets.empty());
  EXPECT_EQ(m.path, "test.llie");
}

TEST(ParseFile, MissingFileIsAnErrorValue) {
  SourceManager sm;
  auto r = parseFile(sm, "no/such/file.llie");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "cannot open 'no/such/file.llie': No such file or directory");
  EXPECT_EQ(sm.size(), 0u);
}

TEST(ParseFile, AFileAlreadyInTheSourceManagerIsNotReadAgain) {
  SourceManager sm;
  // Registered by the caller, not on disk: parsed from the registered text.
  int32_t id = sm.add("virtual/only_in_memory.llie", "let v = 7\n");
  auto r = parseFile(sm, "virtual/only_in_memory.llie");
  ASSERT_TRUE(r.ok()) << renderStatus(sm, r.status());
  EXPECT_EQ(r.value().fileId, id);
  ASSERT_EQ(r.value().lets.size(), 1u);
  EXPECT_EQ(r.value().lets[0].value->intValue, 7);
  // A model file parsed twice keeps one entry and one id.
  ast::Module first = parseModel(sm, "zero_dce.llie");
  ast::Module second = parseModel(sm, "zero_dce.llie");
  EXPECT_EQ(first.fileId, second.fileId);
  EXPECT_EQ(sm.size(), 2u);
}

// ---- printAst ----------------------------------------------------------------------------------

TEST(ParsePrintAst, ZeroDceRendersAStableIndentedTree) {
  SourceManager sm;
  ast::Module m = parseModel(sm, "zero_dce.llie");
  std::string text = printAst(m);
  std::string head = "module " + modelPath("zero_dce.llie") +
                     "\n"
                     "  import \"std/losses.llie\"\n"
                     "  model ZeroDCE -> (enhanced, A, y4)\n"
                     "    param x: tensor [N, 3, H, W]\n"
                     "    param iterations: int = 8\n"
                     "    assign x1\n"
                     "      call relu (piped)\n"
                     "        call conv2d (piped)\n"
                     "          ident x\n"
                     "          int 32\n"
                     "          int 3\n"
                     "          kwarg padding\n"
                     "            int 1\n"
                     "          kwarg name\n"
                     "            string \"e_conv1\"\n";
  EXPECT_EQ(text.substr(0, head.size()), head);
  EXPECT_NE(text.find("    for n\n      call range\n        ident iterations\n      do\n"),
            std::string::npos);
  // Deterministic: a second parse prints the same text.
  SourceManager sm2;
  EXPECT_EQ(printAst(parseModel(sm2, "zero_dce.llie")), text);
}

TEST(ParsePrintAst, StatementsLiteralsAndShapesHaveTheirOwnLines) {
  SourceManager sm;
  ast::Module m = parseOk(sm, "import \"a.llie\"\nlet f = 2.\n"
                              "train T(x: [B, 4], s: string = \"q\\\"\") {\n"
                              "  state c: [2] = zeros(2)\n  loss l = -x\n"
                              "  if not c { a, b = f(k=x.m) } else { require x[0] }\n}\n");
  EXPECT_EQ(printAst(m), "module test.llie\n"
                         "  import \"a.llie\"\n"
                         "  let f\n"
                         "    float 2.0\n"
                         "  train T\n"
                         "    param x: tensor [B, 4]\n"
                         "    param s: string = \"q\\\"\"\n"
                         "    state c [2]\n"
                         "      init\n"
                         "        call zeros\n"
                         "          int 2\n"
                         "    loss l\n"
                         "      neg\n"
                         "        ident x\n"
                         "    if\n"
                         "      not\n"
                         "        ident c\n"
                         "      then\n"
                         "        assign a, b\n"
                         "          call f\n"
                         "            kwarg k\n"
                         "              member m\n"
                         "                ident x\n"
                         "      else\n"
                         "        require\n"
                         "          index\n"
                         "            ident x\n"
                         "            int 0\n");
}
