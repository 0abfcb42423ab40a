// Test helpers for compiling .llie text: write a snippet to a scratch file, compile it, and get
// either the graph or the rendered diagnostics (file names are shown as "test.llie").
#pragma once
#include "compiler/support/diagnostics.h"
#include "runtime/model.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <string>

namespace llie::testing {

struct CompileResult {
  SourceManager sm;
  Expected<CompiledModel> model = Status::error("not compiled");
  /// Rendered diagnostics with the scratch folder stripped from paths.
  std::string errors;
};

/// Compiles `source` saved as test.llie (imports resolve in models/ as usual).
inline std::unique_ptr<CompileResult> compileText(const std::string& source,
                                                  const ElaborateOptions& eo = {}) {
  static int counter = 0;
  auto r = std::make_unique<CompileResult>();
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("llie-snippet-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "test.llie").string();
  std::ofstream(path) << source;
  CompileOptions opt;
  opt.elab = eo;
  r->model = compileModel(r->sm, path, opt);
  if (!r->model.ok()) {
    r->errors = renderStatus(r->sm, r->model.status());
    std::string prefix = dir.string() + "/";
    for (size_t p; (p = r->errors.find(prefix)) != std::string::npos;)
      r->errors.erase(p, prefix.size());
  }
  std::filesystem::remove_all(dir);
  return r;
}

/// Compiles a model file of the repository.
inline std::unique_ptr<CompileResult> compileRepoModel(const std::string& rel,
                                                       const ElaborateOptions& eo = {}) {
  auto r = std::make_unique<CompileResult>();
  CompileOptions opt;
  opt.elab = eo;
  r->model = compileModel(r->sm, repoPath(rel), opt);
  if (!r->model.ok()) r->errors = renderStatus(r->sm, r->model.status());
  return r;
}

} // namespace llie::testing
