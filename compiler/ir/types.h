// Tensor types of the graph IR: dtypes (complex64 included, for FFT models) and shapes whose
// dimensions may be symbolic. A symbolic Dim is affine in one symbol: (num/den)·S + off, e.g.
// H/8 or 2·W. The graph keeps, per symbol, the divisor that `require S % d == 0` guarantees, so a
// stride-2 conv on H/8 with H % 16 == 0 gives exactly H/16. Concrete runs bind every symbol
// to an integer and evaluate.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llie {

enum class DType : uint8_t { F32, F64, I32, I64, Bool, C64 };

const char* dtypeName(DType t);
std::optional<DType> dtypeFromName(const std::string& s);
/// Bytes per element (C64: 8, two floats).
size_t dtypeSize(DType t);

/// One dimension: a constant (sym < 0) or (num/den)·S_sym + off with num/den in lowest terms.
struct Dim {
  int32_t sym = -1;
  int64_t num = 0, den = 1;
  int64_t off = 0; ///< the value itself when constant

  static Dim constant(int64_t v) { return Dim{-1, 0, 1, v}; }
  static Dim symbol(int32_t id) { return Dim{id, 1, 1, 0}; }
  bool isConst() const { return sym < 0; }
  bool operator==(const Dim&) const = default;
  /// Value under a binding of every symbol (symValues[sym] must be a multiple of den).
  int64_t eval(const std::vector<int64_t>& symValues) const;
};

/// Symbols of one graph: their names and what `require` guarantees about them.
struct SymbolTable {
  std::vector<std::string> names;
  std::vector<int64_t> divisors; ///< S % divisors[i] == 0 is known (1 when nothing is)
  int32_t add(std::string name) {
    names.push_back(std::move(name));
    divisors.push_back(1);
    return static_cast<int32_t>(names.size() - 1);
  }
  int32_t find(const std::string& name) const;
};

/// Dim arithmetic. Each returns nullopt when the result is not affine in the symbol or not an
/// exact integer for every allowed value of the symbol (given the table's divisors).
Dim dimAdd(const Dim& a, int64_t k);
Dim dimMul(const Dim& a, int64_t k);
std::optional<Dim> dimAddDim(const Dim& a, const Dim& b);
std::optional<Dim> dimSubDim(const Dim& a, const Dim& b);
/// floor(a / k) for k > 0.
std::optional<Dim> dimFloorDiv(const Dim& a, int64_t k, const SymbolTable& syms);
/// Exact a / k: nullopt unless k divides a for every allowed symbol value.
std::optional<Dim> dimExactDiv(const Dim& a, int64_t k, const SymbolTable& syms);
/// The smallest divisor d (a multiple of the current one) for which floor-dividing `a` by k is
/// exact affine; used for "require H % d == 0" hints.
int64_t divisorNeeded(const Dim& a, int64_t k, const SymbolTable& syms);
/// "H/16", "2*W", "H/2+1", "64".
std::string dimToString(const Dim& d, const SymbolTable& syms);

using Shape = std::vector<Dim>;
std::string shapeToString(const Shape& s, const SymbolTable& syms);
bool shapeIsConst(const Shape& s);
/// Number of elements of a constant shape.
int64_t shapeNumel(const Shape& s);

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool operator==(const TensorType&) const = default;
};

} // namespace llie
