// The text form of fused elementwise programs (see fused_expr.h): a small recursive-descent
// parser and its printer. Numbers are written in their shortest round-trip form, so a program
// survives a plan file unchanged.
#include "compiler/ops/fused_expr.h"

#include <cctype>
#include <charconv>
#include <type_traits>

namespace llie {
namespace {

/// Calls f(name, double&) for every field of `a`; false when some field is not a number.
template <class F> bool numberFields(Attrs& a, F&& f) {
  bool allNumbers = true;
  std::visit(
      [&](auto& at) {
        at.fields([&](const char* name, auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>)
            f(name, v);
          else
            allNumbers = false;
        });
      },
      a);
  return allNumbers;
}

std::string number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

class Parser {
public:
  Parser(std::string_view text, int32_t numInputs) : s_(text) { p_.numInputs = numInputs; }

  Expected<FusedProgram> run() {
    std::vector<int32_t> statements; // slot of each statement's result
    for (;;) {
      LLIE_ASSIGN_OR_RETURN(int32_t slot, expr(statements));
      if (slot < p_.numInputs) return fail("a statement must be an op, not an input");
      statements.push_back(slot);
      skipSpace();
      if (pos_ == s_.size()) break;
      if (!eat(';')) return fail("expected ';' or the end");
    }
    return std::move(p_);
  }

private:
  Status fail(const std::string& what) const {
    return Status::error("fused_elementwise expr \"" + std::string(s_) + "\", at offset " +
                         std::to_string(pos_) + ": " + what);
  }
  void skipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  bool eat(char c) {
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  std::string word() {
    skipSpace();
    size_t b = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }
  Expected<int64_t> index() {
    int64_t v = -1;
    auto r = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
    if (r.ec != std::errc() || v < 0) return fail("expected an index");
    pos_ = r.ptr - s_.data();
    return v;
  }

  /// One expression; returns its operand slot.
  Expected<int32_t> expr(const std::vector<int32_t>& statements) {
    skipSpace();
    if (eat('%')) {
      LLIE_ASSIGN_OR_RETURN(int64_t k, index());
      if (k >= p_.numInputs)
        return fail("input %" + std::to_string(k) + " of a node with " +
                    std::to_string(p_.numInputs) + " inputs");
      return static_cast<int32_t>(k);
    }
    if (eat('$')) {
      LLIE_ASSIGN_OR_RETURN(int64_t k, index());
      if (k >= static_cast<int64_t>(statements.size()))
        return fail("$" + std::to_string(k) + " before that statement");
      return statements[k];
    }
    std::string name = word();
    auto op = opFromName(name);
    if (!op || !isFusibleElementwise(*op)) return fail("'" + name + "' is no fusible op");
    if (!eat('(')) return fail("expected '('");
    FusedStep step{*op, {}, defaultAttrs(*op)};
    bool first = true;
    while (!eat(')')) {
      if (!first && !eat(',')) return fail("expected ',' or ')'");
      first = false;
      skipSpace();
      size_t save = pos_;
      std::string key = word();
      if (!key.empty() && eat('=')) {
        skipSpace();
        double v = 0;
        auto r = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
        if (r.ec != std::errc()) return fail("expected a number");
        pos_ = r.ptr - s_.data();
        bool found = false;
        numberFields(step.attrs, [&](const char* n, double& field) {
          if (key == n) field = v, found = true;
        });
        if (!found) return fail(name + " has no setting '" + key + "'");
        continue;
      }
      pos_ = save;
      LLIE_ASSIGN_OR_RETURN(int32_t slot, expr(statements));
      step.args.push_back(slot);
    }
    if (static_cast<int>(step.args.size()) != opInfo(*op).minInputs)
      return fail(name + " takes " + std::to_string(opInfo(*op).minInputs) + " operands, got " +
                  std::to_string(step.args.size()));
    p_.steps.push_back(std::move(step));
    return p_.numInputs + static_cast<int32_t>(p_.steps.size()) - 1;
  }

  std::string_view s_;
  size_t pos_ = 0;
  FusedProgram p_;
};

} // namespace

bool isFusibleElementwise(OpKind op) {
  switch (op) {
  case OpKind::Neg:
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
  case OpKind::Silu:
  case OpKind::Gelu:
  case OpKind::Exp:
  case OpKind::Log:
  case OpKind::Sqrt:
  case OpKind::Abs:
  case OpKind::Sign:
  case OpKind::Square:
  case OpKind::PowScalar:
  case OpKind::Clamp:
  case OpKind::Sin:
  case OpKind::Cos:
  case OpKind::Acos:
  case OpKind::StopGrad:
  case OpKind::Add:
  case OpKind::Sub:
  case OpKind::Mul:
  case OpKind::Div:
  case OpKind::Pow:
  case OpKind::Maximum:
  case OpKind::Minimum:
  case OpKind::Atan2:
  case OpKind::Prelu:
  case OpKind::Where:
    return true;
  default:
    return false;
  }
}

std::string formatFusedProgram(const FusedProgram& p) {
  const int32_t n = static_cast<int32_t>(p.steps.size());
  std::vector<int> reads(n, 0);
  for (const FusedStep& s : p.steps)
    for (int32_t a : s.args)
      if (a >= p.numInputs) ++reads[a - p.numInputs];
  std::vector<int32_t> statementOf(n, -1);
  int32_t statements = 0;
  std::string out;
  auto text = [&](auto&& self, int32_t j) -> std::string {
    const FusedStep& s = p.steps[j];
    std::string r = std::string(opName(s.op)) + "(";
    bool first = true;
    for (int32_t a : s.args) {
      r += first ? "" : ", ";
      first = false;
      if (a < p.numInputs)
        r += "%" + std::to_string(a);
      else if (statementOf[a - p.numInputs] >= 0)
        r += "$" + std::to_string(statementOf[a - p.numInputs]);
      else
        r += self(self, a - p.numInputs);
    }
    Attrs attrs = s.attrs;
    numberFields(attrs, [&](const char* name, double& v) {
      r += std::string(first ? "" : ", ") + name + "=" + number(v);
      first = false;
    });
    return r + ")";
  };
  for (int32_t j = 0; j < n; ++j) {
    if (reads[j] == 1 && j != n - 1) continue; // written inside its reader
    out += (statements ? "; " : "") + text(text, j);
    statementOf[j] = statements++;
  }
  return out;
}

Expected<FusedProgram> parseFusedProgram(std::string_view text, int32_t numInputs) {
  return Parser(text, numInputs).run();
}

Expected<std::vector<bool>> fusedConditionInputs(const FusedProgram& p) {
  std::vector<bool> cond(p.numInputs, false), value(p.numInputs, false);
  for (const FusedStep& s : p.steps)
    for (size_t i = 0; i < s.args.size(); ++i) {
      const int32_t a = s.args[i];
      const bool isCond = s.op == OpKind::Where && i == 0;
      if (a >= p.numInputs) {
        if (isCond) return Status::error("fused_elementwise: a where's condition must be an input");
        continue;
      }
      (isCond ? cond : value)[a] = true;
      if (cond[a] && value[a])
        return Status::error("fused_elementwise: input %" + std::to_string(a) +
                             " is read both as a condition and as a value");
    }
  return cond;
}

} // namespace llie
