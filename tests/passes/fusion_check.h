// Helpers for the fusion pass tests: compile a model unoptimised (the reference graph), run a
// graph specialised to one input shape on a backend with seeded weights whose batchnorm
// statistics and affine parameters are non-trivial, count live nodes of an op, and compare two
// runs' outputs within 1e-5 relative + 1e-4 absolute.
#pragma once
#include "compiler/ir/verifier.h"
#include "compiler/passes/specialize.h"
#include "runtime/executor.h"
#include "runtime/rng.h"
#include "runtime/weights.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

namespace llie::testing {

using Outputs = std::map<std::string, HostTensor>;

/// The graph of `source` (or of a repository model when `repoModel`), without any pass.
inline Graph unoptimisedGraph(const std::string& sourceOrPath, bool repoModel = false,
                              const ElaborateOptions& eo = {}) {
  SourceManager sm;
  CompileOptions opt;
  opt.elab = eo;
  opt.optimize = false;
  if (repoModel) {
    auto m = compileModel(sm, repoPath(sourceOrPath), opt);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.status().message());
    return m.ok() ? m->graph : Graph{};
  }
  // compileText always optimises; recompile its scratch file's text through a path of our own.
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("llie-fusion-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "test.llie").string();
  std::ofstream(path) << sourceOrPath;
  auto m = compileModel(sm, path, opt);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : renderStatus(sm, m.status()));
  return m.ok() ? m->graph : Graph{};
}

/// Live nodes of `op`.
inline size_t countOf(const Graph& g, OpKind op) {
  return g.nodesOf(op).size();
}

/// Seeded weights; rank-1 tensors (norm and conv affine terms, running statistics) are drawn
/// so that folding is exercised: running_var in [0.5, 1.5], the others in [-0.5, 0.5] (plus 1
/// for a norm's scale, named *.weight).
inline Weights fusionWeights(const Graph& g, uint64_t seed) {
  auto w = initialWeights(g, seed);
  EXPECT_TRUE(w.ok());
  if (!w.ok()) return {};
  for (auto& [name, t] : *w) {
    if (t.shape.size() != 1 || t.dtype != DType::F32) continue;
    Rng rng = Rng::forName(seed + 1, name);
    double base = name.ends_with("running_var") || name.ends_with(".weight") ? 1.0 : 0.0;
    for (int64_t i = 0; i < t.numel(); ++i)
      t.f32()[i] = static_cast<float>(base + rng.uniform(-0.5, 0.5));
  }
  return *w;
}

/// A deterministic image-like input in [0, 1].
inline HostTensor testInput(const std::vector<int64_t>& shape, uint64_t seed = 11) {
  HostTensor x(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = static_cast<float>(rng.uniform());
  return x;
}

/// Runs `g` specialised to its first input's `shape` on `backend`; every output by name.
inline Outputs runGraph(const Graph& g, const std::string& backend, const Weights& w,
                        const HostTensor& x) {
  Outputs out;
  std::string input;
  for (const Node& n : g.nodes)
    if (!n.dead && n.op == OpKind::Input && input.empty()) input = attrsOf<InputAttrs>(n).name;
  auto sg = specializeGraph(g, {{input, x.shape}});
  EXPECT_TRUE(sg.ok()) << (sg.ok() ? "" : sg.status().message());
  auto be = createBackend(backend);
  EXPECT_TRUE(be.ok());
  if (!sg.ok() || !be.ok()) return out;
  auto ex = Executor::create(std::move(*sg), **be);
  EXPECT_TRUE(ex.ok()) << (ex.ok() ? "" : ex.status().message());
  if (!ex.ok()) return out;
  Weights used; // the optimised graph may have dropped some parameters
  for (const Node& n : (*ex)->graph().nodes)
    if (!n.dead && (n.op == OpKind::Param || n.op == OpKind::State))
      used[attrsOf<ParamAttrs>(n).name] = w.at(attrsOf<ParamAttrs>(n).name);
  EXPECT_TRUE((*ex)->setWeights(used).isOk());
  EXPECT_TRUE((*ex)->setInput(input, x).isOk());
  EXPECT_TRUE((*ex)->run().isOk());
  for (auto& o : g.outputs) {
    auto t = (*ex)->output(o.name);
    EXPECT_TRUE(t.ok());
    if (t.ok()) out[o.name] = std::move(*t);
  }
  return out;
}

/// Every output of `got` within 1e-5 relative + 1e-4 absolute of `want`; returns the largest
/// absolute difference seen.
inline double expectClose(const Outputs& want, const Outputs& got) {
  EXPECT_EQ(want.size(), got.size());
  EXPECT_FALSE(want.empty());
  double worst = 0.0;
  for (auto& [name, a] : want) {
    auto it = got.find(name);
    EXPECT_NE(it, got.end()) << name;
    if (it == got.end()) continue;
    const HostTensor& b = it->second;
    EXPECT_EQ(a.shape, b.shape) << name;
    if (a.shape != b.shape) continue;
    int64_t bad = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
      double d = std::fabs(double(a.f32()[i]) - double(b.f32()[i]));
      worst = std::max(worst, d);
      if (!(d <= 1e-4 + 1e-5 * std::fabs(double(a.f32()[i])))) ++bad;
    }
    EXPECT_EQ(bad, 0) << name << ": " << bad << " of " << a.numel() << " values differ";
  }
  return worst;
}

/// The graph before and after a pass agree on `backend`.
inline double expectSameNumbers(const Graph& before, const Graph& after, const std::string& backend,
                                const std::vector<int64_t>& shape, uint64_t seed = 5) {
  Weights w = fusionWeights(before, seed);
  HostTensor x = testInput(shape);
  return expectClose(runGraph(before, backend, w, x), runGraph(after, backend, w, x));
}

} // namespace llie::testing
