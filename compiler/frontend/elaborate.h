// Elaboration: from parsed .llie modules to graph IR. Imports are loaded, blocks are inlined,
// compile-time values (ints, floats, strings, lists, symbolic dims) are evaluated, `if` and
// `for` are unrolled, layer calls create their parameters, named by block path in PyTorch's
// dotted style ("e1.0.expand.conv.weight"), and every node's type is inferred as it is built,
// so shape errors point at the .llie expression that caused them.
#pragma once
#include "compiler/frontend/ast.h"
#include "compiler/ir/graph.h"
#include "compiler/support/diagnostics.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llie {

/// Every module reachable from a root file through imports.
struct Program {
  std::vector<std::unique_ptr<ast::Module>> modules;  ///< modules[0] is the root file
  std::map<std::string, const ast::BlockDecl*> decls; ///< every block/model/train by name
  std::map<std::string, const ast::Module*> declModule;
};

/// Parses `path` and, recursively, what it imports. Import paths resolve relative to the
/// importing file, then to each search path (the models/ folder holds the standard library).
Expected<Program> loadProgram(SourceManager& sm, const std::string& path,
                              const std::vector<std::string>& searchPaths);

struct ElaborateOptions {
  /// The model or train entry; "" = the first model of the root file.
  std::string entry;
  /// Keep every declared output of a model (default: only the first, the enhanced image; the
  /// others exist for training entries and analysis).
  bool allOutputs = false;
  /// Compile-time parameter overrides of the entry, e.g. {"iterations", "4"}.
  std::map<std::string, std::string> overrides;
};

/// Elaborates one entry into a graph. Several errors may be reported at once.
Expected<Graph> elaborate(const Program& program, const ElaborateOptions& options);

/// Names of the entries (models and train entries) of the root file, in order.
std::vector<std::string> entryNames(const Program& program);

} // namespace llie
