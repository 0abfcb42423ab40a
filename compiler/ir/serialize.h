// Graph <-> JSON, the body of a compiled plan file. Spans are kept (with the source file
// paths) so that llie-run can still point at .llie lines. Reading validates everything: a
// corrupt or foreign plan is an error value, never a crash.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/source_span.h"

#include <nlohmann/json.hpp>

namespace llie {

nlohmann::json graphToJson(const Graph& g, const SourceManager& sm);
/// Rebuilds the graph; source files named in the plan are registered in `sm` (their text is
/// read when still present, for caret lines).
Expected<Graph> graphFromJson(const nlohmann::json& j, SourceManager& sm);

} // namespace llie
