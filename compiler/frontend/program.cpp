// Loading a program: the root file and its imports, each parsed once (cycles are fine: a file
// already loaded is not loaded again), with every block/model/train name defined once.
#include "compiler/frontend/elaborate.h"
#include "compiler/frontend/parse.h"

#include <algorithm>
#include <filesystem>

namespace llie {

namespace fs = std::filesystem;

static std::string resolveImport(const std::string& from, const std::string& rel,
                                 const std::vector<std::string>& searchPaths) {
  fs::path base = fs::path(from).parent_path();
  std::vector<fs::path> candidates{base / rel};
  for (auto& s : searchPaths)
    candidates.push_back(fs::path(s) / rel);
  for (auto& c : candidates) {
    std::error_code ec;
    // Shown in messages: relative to the working directory when that is shorter.
    if (!fs::is_regular_file(c, ec)) continue;
    std::string rel = fs::proximate(c, ec).lexically_normal().string();
    return rel.rfind("..", 0) == 0 ? c.lexically_normal().string() : rel;
  }
  return {};
}

Expected<Program> loadProgram(SourceManager& sm, const std::string& path,
                              const std::vector<std::string>& searchPaths) {
  Program prog;
  DiagnosticEngine diags;
  std::vector<std::string> queue{fs::path(path).lexically_normal().string()};
  std::vector<std::string> loaded;
  std::map<std::string, SourceSpan> declSpan;
  for (size_t qi = 0; qi < queue.size(); ++qi) {
    const std::string file = queue[qi];
    auto parsed = parseFile(sm, file);
    if (!parsed) {
      diags.merge(parsed.status());
      continue;
    }
    auto mod = std::make_unique<ast::Module>(std::move(*parsed));
    for (auto& imp : mod->imports) {
      std::string resolved = resolveImport(file, imp.path, searchPaths);
      if (resolved.empty()) {
        diags.error(imp.span, "cannot find imported file '" + imp.path + "'",
                    {"imports are looked up next to the importing file, then in the models/ "
                     "folder (add folders with -I)"});
        continue;
      }
      if (std::find(queue.begin(), queue.end(), resolved) == queue.end()) queue.push_back(resolved);
    }
    for (auto& d : mod->decls) {
      auto it = declSpan.find(d.name);
      if (it != declSpan.end()) {
        Diagnostic dg{Severity::Error, d.span, "'" + d.name + "' is defined twice", {}, {}};
        dg.notes.push_back({it->second, "first defined here"});
        diags.report(std::move(dg));
        continue;
      }
      declSpan[d.name] = d.span;
      prog.decls[d.name] = &d;
      prog.declModule[d.name] = mod.get();
    }
    prog.modules.push_back(std::move(mod));
  }
  LLIE_RETURN_IF_ERROR(diags.take());
  return prog;
}

std::vector<std::string> entryNames(const Program& program) {
  std::vector<std::string> r;
  if (program.modules.empty()) return r;
  for (auto& d : program.modules[0]->decls)
    if (d.kind != ast::DeclKind::Block) r.push_back(d.name);
  return r;
}

} // namespace llie
