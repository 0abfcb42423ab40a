// Internal to elaboration: compile-time values and the Elaborator that walks blocks. Split over
// elaborate.cpp (statements, blocks, naming), expressions.cpp (names, operators, calls),
// builtins.cpp (builtin functions, constant tensors, the generic binder from keyword arguments
// to op attributes), layers.cpp (layers that own parameters) and settings.cpp (the training
// settings of train entries, filling Graph::train).
#pragma once
#include "compiler/frontend/elaborate.h"

#include <set>
#include <unordered_map>

namespace llie::elab {

/// A compile-time value. Tensors are graph values; Sym is a symbolic integer such as H/2.
/// Poison marks an expression that already reported an error, so errors do not cascade.
struct CValue {
  enum Kind { None, Poison, Int, Float, Bool, Str, Sym, Tensor, List, Record, Config };
  Kind kind = None;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;                  ///< Str; Config: the callee (e.g. "adam")
  Dim dim;                        ///< Sym
  ValueId t = kNoValue;           ///< Tensor
  std::vector<CValue> items;      ///< List, Record, Config values
  std::vector<std::string> names; ///< Record field names, Config keyword names ("" = positional)
  std::vector<SourceSpan> spans;  ///< Config: where each argument was written

  static CValue poison() { return CValue{Poison}; }
  static CValue ofInt(int64_t v) {
    CValue c{Int};
    c.i = v;
    return c;
  }
  static CValue ofFloat(double v) {
    CValue c{Float};
    c.f = v;
    return c;
  }
  static CValue ofBool(bool v) {
    CValue c{Bool};
    c.b = v;
    return c;
  }
  static CValue ofStr(std::string v) {
    CValue c{Str};
    c.s = std::move(v);
    return c;
  }
  static CValue ofTensor(ValueId v) {
    CValue c{Tensor};
    c.t = v;
    return c;
  }
  static CValue ofDim(const Dim& d) {
    if (d.isConst()) return ofInt(d.off);
    CValue c{Sym};
    c.dim = d;
    return c;
  }
  bool isNumber() const { return kind == Int || kind == Float; }
  double number() const { return kind == Int ? static_cast<double>(i) : f; }
  bool isIntLike() const { return kind == Int || kind == Sym; }
  Dim asDim() const { return kind == Int ? Dim::constant(i) : dim; }
};

/// Describes a value kind for messages ("an int", "a tensor", ...).
std::string kindName(const CValue& v);

/// One active block instance.
struct Frame {
  const ast::BlockDecl* decl = nullptr;
  const ast::Module* module = nullptr;
  std::string prefix;  ///< dotted path of this instance ("" at the root)
  SourceSpan callSite; ///< where this block instance was called (invalid at the root)
  std::unordered_map<std::string, CValue> vars;
  // Default naming of layer/block instances within the current statement.
  std::string stmtTarget;
  int stmtCount = 0;
  int stmtIndex = 0;
};

/// Evaluated call arguments.
struct Args {
  std::vector<CValue> pos;
  std::vector<SourceSpan> posSpans;
  std::vector<std::pair<std::string, CValue>> kw;
  std::vector<SourceSpan> kwSpans;
  const CValue* find(const std::string& name) const {
    for (auto& [k, v] : kw)
      if (k == name) return &v;
    return nullptr;
  }
};

class Elaborator;

/// Typed access to a builtin call's arguments (by keyword, else by position), reporting a
/// wrong type at the call and falling back to the default.
struct ArgReader {
  Elaborator& el;
  Args& a;
  const std::string& name;
  SourceSpan span;
  CValue tensor(size_t i, const char* what);
  int64_t intArg(const char* key, size_t pos, int64_t def);
  double numArg(const char* key, size_t pos, double def);
  bool boolArg(const char* key, bool def);
  std::vector<int64_t> axes(int64_t defAxis, bool allByDefault);
};

class Elaborator {
public:
  Elaborator(const Program& p, Graph& g) : prog_(p), g_(g) {}
  Status run(const ElaborateOptions& opt);

  // ---- used by builtins.cpp --------------------------------------------------------------
  DiagnosticEngine diags;
  Graph& graph() { return g_; }
  /// Adds a node, inferring its type; reports a located error and returns Poison on failure.
  CValue emit(OpKind op, Attrs attrs, std::vector<ValueId> inputs, SourceSpan span);
  CValue constant(double v, SourceSpan span);
  /// A constant tensor of a compile-time shape holding `data` (row-major, numel(shape) values).
  CValue constantTensor(Shape shape, std::vector<double> data, SourceSpan span);
  /// Converts a number to a scalar constant; passes tensors through; Poison otherwise.
  CValue toTensor(const CValue& v, SourceSpan span, const std::string& what);
  /// Creates a parameter/state named <frame prefix>.<instance>.<leaf>.
  CValue makeParam(const std::string& instance, const std::string& leaf, Shape shape,
                   ParamAttrs init, bool state, SourceSpan span);
  /// The instance name of a layer/block call: its name= argument or the statement's default.
  std::string instanceName(const Args& args, SourceSpan span);
  Frame& frame() { return frames_.back(); }
  const TensorType& typeOf(const CValue& t) const { return g_.type(t.t); }
  void error(SourceSpan span, std::string msg, std::vector<std::string> hints = {}) {
    diags.error(span, std::move(msg), std::move(hints));
  }
  /// Evaluates a builtin (op, layer, compile-time function); nullopt when `name` is none.
  std::optional<CValue> callBuiltin(const std::string& name, Args& args, SourceSpan span,
                                    SourceSpan calleeSpan);
  /// An op of the table: tensors first, then its attribute fields by keyword or position.
  std::optional<CValue> callOp(OpKind op, Args& a, SourceSpan span, SourceSpan calleeSpan);
  /// Layers: builtins that create parameters (layers.cpp).
  CValue callLayer(const std::string& name, Args& a, ArgReader& rd, SourceSpan span);
  /// Whether `name` is a builtin that creates parameters (counts for default naming).
  static bool isLayer(const std::string& name);
  /// All builtin names, for "did you mean" hints.
  static std::vector<std::string> builtinNames();

private:
  const Program& prog_;
  Graph& g_;
  std::vector<Frame> frames_;
  std::unordered_map<std::string, SourceSpan> paramNames_;
  bool inTrain_ = false;
  std::vector<std::pair<std::string, SourceSpan>> lossNames_;
  ValueId step_ = kNoValue; ///< the train entry's "step" input, made on first use
  // Training settings: where each was set; the train entry's own variables that hold no tensor
  // and which of its names were read (an unread one close to a setting name is a misspelling).
  std::unordered_map<std::string, SourceSpan> settingSpans_;
  struct RootScalar {
    std::string name;
    SourceSpan span;
    bool config; ///< holds a setting value such as adam(...)
  };
  std::vector<RootScalar> rootScalars_;
  std::set<std::string> rootReads_;

  CValue eval(const ast::Expr& e);
  CValue evalBinary(const ast::Expr& e);
  CValue evalCall(const ast::Expr& e);
  /// Evaluates a call's arguments; false when one of them is Poison.
  bool evalArgs(const ast::Expr& call, Args& args);
  CValue lookup(const std::string& name, SourceSpan span);
  /// The scalar graph input "step" of a train entry (an error elsewhere).
  CValue stepInput(SourceSpan span);
  // ---- settings.cpp ----
  static bool isSettingName(const std::string& name);
  /// `optimizer = adam(...)`, `batch = 4`, ... at the top level of a train entry.
  void execSetting(const ast::Stmt& s);
  /// Reports a setting assigned where settings do not belong (model entries, blocks); true if so.
  bool rejectMisplacedSetting(const ast::Stmt& s, const CValue& v);
  void applyFunctionSetting(const std::string& setting, const std::string& fn, Args& a,
                            SourceSpan calleeSpan);
  /// After a train entry: its unread non-tensor variables that look like misspelt settings.
  void checkUnknownSettings();
  void exec(const std::vector<ast::StmtPtr>& body);
  void execStmt(const ast::Stmt& s);
  void execRequire(const ast::Stmt& s);
  void execParamDecl(const ast::Stmt& s);
  int countInstances(const ast::Expr& e) const;
  CValue callBlock(const ast::BlockDecl& d, Args& args, SourceSpan span);
  bool bindParams(const ast::BlockDecl& d, Args& args, SourceSpan span, Frame& f);
  CValue checkParamType(const ast::Param& p, CValue v, SourceSpan span);
  std::string interpolate(const std::string& s, SourceSpan span);
  void bindEntryInputs(const ast::BlockDecl& d, const ElaborateOptions& opt, Frame& f);
};

} // namespace llie::elab
