// Formatting and JSON conversion of attribute structs through their fields() lists.
#include "compiler/ir/attr_visit.h"

#include <sstream>

namespace llie {

namespace {

template <class T> struct IsEnum : std::is_enum<T> {};

struct Formatter {
  const SymbolTable& syms;
  std::string out;
  void add(const char* name, const std::string& v) {
    out += (out.empty() ? "" : ", ") + std::string(name) + "=" + v;
  }
  static std::string num(double d) {
    std::ostringstream os;
    os.precision(9);
    os << d;
    return os.str();
  }
  void operator()(const char* n, const int64_t& v) { add(n, std::to_string(v)); }
  void operator()(const char* n, const double& v) { add(n, num(v)); }
  void operator()(const char* n, const bool& v) { add(n, v ? "true" : "false"); }
  void operator()(const char* n, const std::string& v) { add(n, "\"" + v + "\""); }
  void operator()(const char* n, const Dim& v) { add(n, dimToString(v, syms)); }
  void operator()(const char* n, const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + std::to_string(v[i]);
    add(n, s + "]");
  }
  void operator()(const char* n, const std::vector<Dim>& v) { add(n, shapeToString(v, syms)); }
  // Constant data: short lists in full, long ones (a Gaussian window) by count and ends.
  void operator()(const char* n, const std::vector<double>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (v.size() > 8 && i == 3) {
        s += ", ... (" + std::to_string(v.size()) + " values)";
        i = v.size() - 2;
        continue;
      }
      s += (i ? ", " : "") + num(v[i]);
    }
    add(n, s + "]");
  }
  template <class E>
  requires std::is_enum_v<E>
  void operator()(const char* n, const E& v) {
    add(n, EnumNames<E>::names[static_cast<size_t>(v)]);
  }
};

// Visits the fields of `a` and of a default-constructed copy in lockstep, formatting the
// fields whose value differs from the default.
template <class A> std::string formatNonDefault(const A& a, const SymbolTable& syms) {
  A value = a, def{};
  std::vector<std::string> vals, defs;
  value.fields([&](const char* n, auto& v) {
    Formatter one{syms, {}};
    one(n, v);
    vals.push_back(one.out);
  });
  def.fields([&](const char* n, auto& v) {
    Formatter one{syms, {}};
    one(n, v);
    defs.push_back(one.out);
  });
  std::string out;
  for (size_t k = 0; k < vals.size(); ++k)
    if (vals[k] != defs[k] || vals[k].rfind("name=", 0) == 0)
      out += (out.empty() ? "" : ", ") + vals[k];
  return out;
}

struct ToJson {
  nlohmann::json& j;
  void operator()(const char* n, const int64_t& v) { j[n] = v; }
  void operator()(const char* n, const double& v) { j[n] = v; }
  void operator()(const char* n, const bool& v) { j[n] = v; }
  void operator()(const char* n, const std::string& v) { j[n] = v; }
  void operator()(const char* n, const Dim& v) { j[n] = dimToJson(v); }
  void operator()(const char* n, const std::vector<int64_t>& v) { j[n] = v; }
  void operator()(const char* n, const std::vector<double>& v) { j[n] = v; }
  void operator()(const char* n, const std::vector<Dim>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (auto& d : v)
      a.push_back(dimToJson(d));
    j[n] = a;
  }
  template <class E>
  requires std::is_enum_v<E>
  void operator()(const char* n, const E& v) { j[n] = EnumNames<E>::names[static_cast<size_t>(v)]; }
};

struct FromJson {
  const nlohmann::json& j;
  std::string error;
  size_t seen = 0;
  template <class T> bool get(const char* n, T& out) {
    if (!j.contains(n)) return false;
    ++seen;
    try {
      out = j.at(n).get<T>();
    } catch (const std::exception& e) {
      error = std::string("attribute '") + n + "': " + e.what();
    }
    return true;
  }
  void operator()(const char* n, int64_t& v) { get(n, v); }
  void operator()(const char* n, double& v) { get(n, v); }
  void operator()(const char* n, bool& v) { get(n, v); }
  void operator()(const char* n, std::string& v) { get(n, v); }
  void operator()(const char* n, std::vector<int64_t>& v) { get(n, v); }
  void operator()(const char* n, std::vector<double>& v) { get(n, v); }
  void operator()(const char* n, Dim& v) {
    if (!j.contains(n)) return;
    ++seen;
    auto d = dimFromJson(j.at(n));
    if (d)
      v = *d;
    else
      error = std::string("attribute '") + n + "': bad dim";
  }
  void operator()(const char* n, std::vector<Dim>& v) {
    if (!j.contains(n)) return;
    ++seen;
    v.clear();
    if (!j.at(n).is_array()) {
      error = std::string("attribute '") + n + "': expected a list";
      return;
    }
    for (auto& x : j.at(n)) {
      auto d = dimFromJson(x);
      if (!d) {
        error = std::string("attribute '") + n + "': bad dim";
        return;
      }
      v.push_back(*d);
    }
  }
  template <class E>
  requires std::is_enum_v<E>
  void operator()(const char* n, E& v) {
    std::string s;
    if (!get(n, s)) return;
    const auto& names = EnumNames<E>::names;
    for (size_t i = 0; i < names.size(); ++i)
      if (s == names[i]) {
        v = static_cast<E>(i);
        return;
      }
    error = std::string("attribute '") + n + "': unknown value '" + s + "'";
  }
};

template <size_t I = 0> Attrs makeAlternative(size_t index) {
  if constexpr (I < std::variant_size_v<Attrs>) {
    if (index == I) return Attrs{std::in_place_index<I>};
    return makeAlternative<I + 1>(index);
  } else {
    return NoAttrs{};
  }
}

} // namespace

std::string formatAttrs(const Attrs& attrs, const SymbolTable& syms) {
  std::string s = std::visit([&](const auto& a) { return formatNonDefault(a, syms); }, attrs);
  return s.empty() ? s : "{" + s + "}";
}

nlohmann::json attrsToJson(const Attrs& attrs) {
  nlohmann::json j = nlohmann::json::object();
  std::visit(
      [&](const auto& a) {
        auto copy = a;
        copy.fields(ToJson{j});
      },
      attrs);
  return j;
}

Expected<Attrs> attrsFromJson(size_t index, const nlohmann::json& j) {
  if (index >= std::variant_size_v<Attrs>) return Status::error("bad attribute index");
  if (!j.is_object()) return Status::error("attributes must be a JSON object");
  Attrs a = makeAlternative(index);
  FromJson f{j, {}};
  std::visit([&](auto& x) { x.fields(f); }, a);
  if (!f.error.empty()) return Status::error(f.error);
  if (f.seen != j.size()) return Status::error("unknown attribute in " + j.dump());
  return a;
}

nlohmann::json dimToJson(const Dim& d) {
  if (d.isConst()) return d.off;
  return nlohmann::json::array({d.sym, d.num, d.den, d.off});
}

Expected<Dim> dimFromJson(const nlohmann::json& j) {
  if (j.is_number_integer()) return Dim::constant(j.get<int64_t>());
  if (j.is_array() && j.size() == 4 && j[2].is_number_integer() && j[2].get<int64_t>() > 0)
    return Dim{j[0].get<int32_t>(), j[1].get<int64_t>(), j[2].get<int64_t>(), j[3].get<int64_t>()};
  return Status::error("bad dim " + j.dump());
}

} // namespace llie
