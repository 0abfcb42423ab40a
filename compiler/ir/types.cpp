// Dtype names and the affine symbolic Dim arithmetic behind symbolic shape inference.
#include "compiler/ir/types.h"

#include <numeric>

namespace llie {

const char* dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::Bool:
    return "bool";
  case DType::C64:
    return "c64";
  }
  return "?";
}

std::optional<DType> dtypeFromName(const std::string& s) {
  for (DType t : {DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool, DType::C64})
    if (s == dtypeName(t)) return t;
  return std::nullopt;
}

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
  case DType::C64:
    return 8;
  case DType::Bool:
    return 1;
  }
  return 4;
}

int32_t SymbolTable::find(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int32_t>(i);
  return -1;
}

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

static Dim normalized(int32_t sym, int64_t num, int64_t den, int64_t off) {
  if (num == 0) return Dim::constant(off);
  if (den < 0) num = -num, den = -den;
  int64_t g = std::gcd(num < 0 ? -num : num, den);
  return Dim{sym, num / g, den / g, off};
}

int64_t Dim::eval(const std::vector<int64_t>& symValues) const {
  if (isConst()) return off;
  return symValues[sym] / den * num + off;
}

Dim dimAdd(const Dim& a, int64_t k) {
  Dim r = a;
  r.off += k;
  return r;
}

Dim dimMul(const Dim& a, int64_t k) {
  if (a.isConst()) return Dim::constant(a.off * k);
  return normalized(a.sym, a.num * k, a.den, a.off * k);
}

std::optional<Dim> dimAddDim(const Dim& a, const Dim& b) {
  if (b.isConst()) return dimAdd(a, b.off);
  if (a.isConst()) return dimAdd(b, a.off);
  if (a.sym != b.sym) return std::nullopt;
  return normalized(a.sym, a.num * b.den + b.num * a.den, a.den * b.den, a.off + b.off);
}

std::optional<Dim> dimSubDim(const Dim& a, const Dim& b) {
  return dimAddDim(a, dimMul(b, -1));
}

// With S = D·t (D the known divisor), a = c·t + off where c = num·D/den must be an integer;
// floor(a / k) = (c/k)·t + floor(off/k) exactly when k divides c.
std::optional<Dim> dimFloorDiv(const Dim& a, int64_t k, const SymbolTable& syms) {
  if (a.isConst()) return Dim::constant(floorDiv(a.off, k));
  int64_t D = syms.divisors[a.sym];
  if ((a.num * D) % a.den != 0) return std::nullopt;
  int64_t c = a.num * D / a.den;
  if (c % k != 0) return std::nullopt;
  return normalized(a.sym, a.num, a.den * k, floorDiv(a.off, k));
}

std::optional<Dim> dimExactDiv(const Dim& a, int64_t k, const SymbolTable& syms) {
  if (a.isConst()) {
    if (a.off % k != 0) return std::nullopt;
    return Dim::constant(a.off / k);
  }
  if (a.off % k != 0) return std::nullopt;
  return dimFloorDiv(a, k, syms);
}

int64_t divisorNeeded(const Dim& a, int64_t k, const SymbolTable& syms) {
  if (a.isConst()) return 1;
  int64_t D = syms.divisors[a.sym];
  for (int64_t m = 1; m <= 1 << 20; m *= 2) {
    int64_t d = D * m;
    if ((a.num * d) % a.den == 0 && ((a.num * d / a.den) % k) == 0) return d;
  }
  return D * k * a.den;
}

std::string dimToString(const Dim& d, const SymbolTable& syms) {
  if (d.isConst()) return std::to_string(d.off);
  std::string s;
  if (d.num == -1)
    s = "-";
  else if (d.num != 1)
    s = std::to_string(d.num) + "*";
  s += d.sym < static_cast<int32_t>(syms.names.size()) ? syms.names[d.sym] : "?";
  if (d.den != 1) s += "/" + std::to_string(d.den);
  if (d.off > 0) s += "+" + std::to_string(d.off);
  if (d.off < 0) s += std::to_string(d.off);
  return s;
}

std::string shapeToString(const Shape& s, const SymbolTable& syms) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? ", " : "") + dimToString(s[i], syms);
  return r + "]";
}

bool shapeIsConst(const Shape& s) {
  for (auto& d : s)
    if (!d.isConst()) return false;
  return true;
}

int64_t shapeNumel(const Shape& s) {
  int64_t n = 1;
  for (auto& d : s)
    n *= d.off;
  return n;
}

} // namespace llie
