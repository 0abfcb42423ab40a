// Parsing .llie text into an AST with the ANTLR4-generated parser (grammar/Llie.g4). Syntax
// errors are diagnostics with file:line:col; several are reported per file where ANTLR recovers.
#pragma once
#include "compiler/frontend/ast.h"
#include "compiler/support/diagnostics.h"

#include <string>

namespace llie {

/// Parses `text` (already registered in `sm` as file `fileId`).
Expected<ast::Module> parseSource(SourceManager& sm, int32_t fileId);
/// Reads `path` from disk, registers it in `sm` and parses it (a path already registered is
/// parsed from its stored text). A missing file is an error value.
Expected<ast::Module> parseFile(SourceManager& sm, const std::string& path);
/// Renders the AST as indented text (for `llie-compile --emit ast`), stable for golden tests.
std::string printAst(const ast::Module& m);

} // namespace llie
