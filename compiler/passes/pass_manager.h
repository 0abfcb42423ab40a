// The pass manager: runs an ordered list of named passes over a graph and gives every pass the
// same services once: dumps after chosen passes (IR text or DOT, to stderr or numbered files),
// verification after each pass (naming the pass that broke the graph), stopping after a pass,
// and a timing table (milliseconds, changes, live nodes before -> after). Each pass declares
// the artifacts it is valid for; running it on the other kind of graph is an error.
#pragma once
#include "compiler/ir/graph.h"
#include "compiler/support/source_span.h"
#include "compiler/support/status.h"

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace llie {

/// Which graphs a pass is valid for: inference graphs (model entries), training graphs (train
/// entries and their training steps), or both.
enum class Artifacts : uint8_t { Inference = 1, Training = 2, Both = 3 };
const char* artifactsName(Artifacts a);

struct PassInfo {
  std::string name;
  Artifacts artifacts = Artifacts::Both;
  std::string summary; ///< one line, for --list-passes
  /// Rewrites the graph in place; returns the number of changes it made (nodes removed,
  /// rewritten, gradients built, ...: what the pass counts), for the timing table.
  std::function<Expected<int>(Graph&)> run;
};

enum class DumpFormat : uint8_t { Ir, Dot };

struct PassReport;

struct PassOptions {
  /// Passes to dump the graph after; "all" dumps after every pass.
  std::vector<std::string> dumpAfter;
  DumpFormat dumpFormat = DumpFormat::Ir;
  /// Where dumps go: files NN-PASS.ir / NN-PASS.dot in this folder (NN: the pass's 1-based
  /// position in the pipeline), created when missing; "" writes them to `log`.
  std::string dumpDir;
  /// Runs the verifier on the input and after every pass.
  bool verifyEach = false;
  /// Stops after this pass (its dump and verification included); "" runs them all.
  std::string stopAfter;
  /// Prints the timing table to `log` at the end.
  bool printTiming = false;
  /// Destination of text dumps and the timing table; null means std::cerr.
  std::ostream* log = nullptr;
  /// When set, receives what runPasses did (rows, dump files); callers several layers up (a
  /// tool calling compileModel) get it this way.
  PassReport* report = nullptr;

  bool any() const { return !dumpAfter.empty() || verifyEach || !stopAfter.empty() || printTiming; }
};

/// One row of the timing table.
struct PassRun {
  std::string name;
  double ms = 0;
  int changes = 0;
  size_t nodesBefore = 0, nodesAfter = 0; ///< live nodes
};

/// What runPasses did: one row per pass that ran, the dump files it wrote, and whether it
/// stopped early.
struct PassReport {
  std::vector<PassRun> runs;
  std::vector<std::string> dumpFiles;
  bool stopped = false;
};

/// Runs `pipeline` in order over `g`. Names in options.dumpAfter / stopAfter that are not in
/// the pipeline are an error listing its passes (checked before anything runs). With a
/// SourceManager, dumps show each node's .llie location.
Status runPasses(Graph& g, const std::vector<PassInfo>& pipeline, const PassOptions& options,
                 const SourceManager* sm = nullptr);

/// The timing table: "pass  ms  changes  nodes" and one row per pass, then the total.
std::string formatPassTiming(const PassReport& report);

} // namespace llie
