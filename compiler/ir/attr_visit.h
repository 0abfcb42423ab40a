// Generic helpers over attribute structs' fields(): text formatting (for the printer and DOT),
// JSON read/write (for plans). One implementation serves every attribute struct.
#pragma once
#include "compiler/ir/attrs.h"
#include "compiler/support/status.h"

#include <nlohmann/json.hpp>
#include <string>

namespace llie {

/// "{stride=[2, 2], groups=64}": the fields that differ from the defaults, in declaration order.
std::string formatAttrs(const Attrs& attrs, const SymbolTable& syms);
nlohmann::json attrsToJson(const Attrs& attrs);
/// Fills attributes of the variant alternative `index` from JSON; unknown keys are errors.
Expected<Attrs> attrsFromJson(size_t index, const nlohmann::json& j);

nlohmann::json dimToJson(const Dim& d);
Expected<Dim> dimFromJson(const nlohmann::json& j);

} // namespace llie
