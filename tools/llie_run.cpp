// llie-run: executes a compiled plan (or a .llie file, compiled on the fly).
//   llie-run MODEL enhance IN... -o OUTDIR [--weights W]   images or folders in, PNGs out
//   llie-run MODEL bench --size HxW                          time the model on one input size
//   llie-run MODEL init-weights -o W.safetensors             write seeded initial weights
//   llie-run MODEL eval DATA [--max N] [--json]              PSNR/SSIM against DATA/high
//   llie-run MODEL.llie train --data DIR [--steps N] ...     train the file's train entry
//   ... --profile [--profile-top N] [--trace FILE]           per-node times and a Chrome trace
// See docs/cli.md for every option.
#include "runtime/image_io.h"
#include "runtime/metrics.h"
#include "runtime/model.h"
#include "runtime/profiler.h"
#include "runtime/trainer.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <csignal>
#include <cstdlib>
#include <unistd.h>
#include <sstream>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace llie;
namespace fs = std::filesystem;

static int fail(const SourceManager& sm, const Status& st) {
  std::cerr << renderStatus(sm, st);
  return 1;
}

/// The (low, high) image pairs of an eval folder, matched by file name and sorted by name.
/// Errors: DATA, DATA/low or DATA/high missing or holding no image; names without a partner
/// (all listed).
static Expected<std::vector<std::pair<std::string, std::string>>>
evalPairs(const std::string& data) {
  const std::string layout = "eval expects DATA/low/ (inputs) and DATA/high/ (ground truth) "
                             "holding images with the same file names";
  if (!fs::is_directory(data))
    return Status::error("eval: '" + data + "' is not a folder").hint(layout);
  std::map<std::string, std::string> byName[2];
  const char* sub[2] = {"low", "high"};
  for (int k = 0; k < 2; ++k) {
    fs::path dir = fs::path(data) / sub[k];
    if (!fs::is_directory(dir))
      return Status::error("eval: '" + dir.string() + "' is not a folder").hint(layout);
    auto files = listImages(dir.string());
    if (!files) return files.takeStatus();
    for (auto& f : *files)
      byName[k][fs::path(f).filename().string()] = f;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<std::string> unmatched;
  for (auto& [name, path] : byName[0]) {
    auto it = byName[1].find(name);
    if (it == byName[1].end())
      unmatched.push_back("low/" + name + " has no high/" + name);
    else
      pairs.emplace_back(path, it->second);
  }
  for (auto& [name, path] : byName[1])
    if (!byName[0].count(name)) unmatched.push_back("high/" + name + " has no low/" + name);
  if (!unmatched.empty()) {
    Status st = Status::error("eval: " + std::to_string(unmatched.size()) + " image" +
                              (unmatched.size() == 1 ? "" : "s") + " in '" + data +
                              "' without a partner: " + unmatched[0] +
                              (unmatched.size() > 1 ? ", ..." : ""));
    for (auto& u : unmatched)
      st.hint(u);
    return st;
  }
  return pairs;
}

static std::string fmtMetric(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::fixed << std::setprecision(decimals) << v;
  return os.str();
}

/// `--profile`: prints the table (stderr, so that stdout keeps bench's JSON line) and writes the
/// Chrome trace to `trace`, or to llie-trace.json in `defaultDir`.
static int finishProfile(const Profiler& p, const SourceManager& sm, size_t top,
                         const std::string& trace, const std::string& defaultDir) {
  std::cerr << "\n" << p.report(sm, top);
  const std::string path =
      !trace.empty() ? trace : (fs::path(defaultDir) / "llie-trace.json").string();
  Status st = p.writeChromeTrace(path, sm);
  if (!st) return fail(sm, st);
  std::cerr << "\nwrote the trace of " << p.tracedRuns() << " run"
            << (p.tracedRuns() == 1 ? "" : "s") << " to " << path
            << " (open it in https://ui.perfetto.dev or chrome://tracing)\n";
  return 0;
}

/// Set by the first SIGINT/SIGTERM: the training loop writes a checkpoint at the next step
/// boundary and stops. A second signal ends the process at once (the default action).
static std::atomic<bool> gStopRequested{false};

extern "C" void onStopSignal(int sig) {
  gStopRequested.store(true);
  std::signal(sig, SIG_DFL);
}

// Training overlaps the data loader's thread with the kernels' OpenMP threads. OpenMP's default
// spin-waiting between parallel regions then starves the loader and itself (ten times slower on
// two cores); passive waiting avoids it. libgomp reads OMP_WAIT_POLICY when it loads, so
// `train` re-executes itself once with the policy set, unless the user chose one.
static void preferPassiveOpenMpForTraining(int argc, char** argv) {
  bool train = false;
  for (int i = 1; i < argc; ++i) train |= std::string(argv[i]) == "train";
  if (!train || std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv); // returns only on failure: then run as we are
}

static int runMain(int argc, char** argv) {
  preferPassiveOpenMpForTraining(argc, argv);
  CLI::App app{
      "llie-run: run a compiled llie model.\n"
      "Examples:\n"
      "  llie-run zero_dce.plan enhance photos/ -o out/\n"
      "  llie-run models/sadfpn_unet.llie enhance dark.png -o out/ --weights unet.safetensors\n"
      "  llie-run unet.plan bench --size 256x256"};
  std::string model, backendName = "cpu", weightsPath;
  uint64_t seed = 0;
  app.add_option("model", model, "a plan from llie-compile, or a .llie file")->required();
  app.add_option("--backend", backendName,
                 "cpu (oneDNN), reference (slow, for checking) or cuda (when built with CUDA)");
  app.add_option("--weights", weightsPath,
                 "safetensors weights (default: seeded initialisation, see --seed)");
  app.add_option("--seed", seed, "seed for initial weights");
  bool profile = false;
  size_t profileTop = 25;
  std::string tracePath;
  app.add_flag("--profile", profile,
               "time every node of the model's runs (enhance, bench, eval, train): a table "
               "sorted by time with .llie locations, and a Chrome trace");
  auto* oTop = app.add_option("--profile-top", profileTop, "rows in the profile table (default 25)")
                   ->check(CLI::PositiveNumber);
  auto* oTrace = app.add_option("--trace", tracePath,
                                "where --profile writes its Chrome-trace JSON (default "
                                "llie-trace.json in the output folder, else the current folder)");
  app.require_subcommand(1);
  // The options above may also follow the command (`enhance x.png -o out --weights w`).
  app.fallthrough();

  auto* enh = app.add_subcommand("enhance", "enhance images (PNG/JPEG/BMP, files or folders)");
  std::vector<std::string> inputs;
  std::string outDir;
  enh->add_option("inputs", inputs, "images or folders of images")->required();
  enh->add_option("-o,--output", outDir, "folder for the enhanced PNGs")->required();

  auto* bench = app.add_subcommand("bench", "time inference on one input size");
  std::string size = "256x256";
  int iters = 10, warmup = 2;
  bench->add_option("--size", size, "HxW of the input");
  bench->add_option("--iters", iters, "timed runs (median reported)");
  bench->add_option("--warmup", warmup, "untimed runs first");

  auto* initw = app.add_subcommand("init-weights", "write the seeded initial weights");
  std::string initOut;
  initw->add_option("-o,--output", initOut, "safetensors file to write")->required();

  auto* evalc = app.add_subcommand(
      "eval", "PSNR and SSIM of the enhanced DATA/low images against DATA/high (matched by name)");
  std::string evalData;
  int evalMax = 0;
  bool evalJson = false, evalUint8 = false;
  evalc->add_option("data", evalData, "folder holding low/ and high/ with the same file names")
      ->required();
  evalc->add_option("--max", evalMax, "evaluate only the first N pairs by name (0: all)")
      ->check(CLI::NonNegativeNumber);
  evalc->add_flag("--json", evalJson, "also print one JSON object with every result at the end");
  evalc->add_flag("--uint8", evalUint8,
                  "quantise images to 8 bits before measuring (as when outputs are saved as PNG)");

  auto* trainc = app.add_subcommand(
      "train", "train the .llie file's train entry (settings default to the entry's own)");
  TrainOptions topt;
  int64_t tSteps = 0, tEpochs = 0, tBatch = 0, tCrop = 0, tEvalEvery = 0, tCkptEvery = 0;
  double tLr = 0;
  trainc
      ->add_option("--data", topt.data,
                   "training data: DIR/low + DIR/high pairs, or DIR/train (and DIR/val)")
      ->required();
  trainc->add_option("--val", topt.val,
                     "held-out DIR/low + DIR/high for evaluation (default: DATA/val if present)");
  auto* oSteps = trainc->add_option("--steps", tSteps, "optimizer steps of the run")
                     ->check(CLI::PositiveNumber);
  auto* oEpochs = trainc->add_option("--epochs", tEpochs, "passes over the training set")
                      ->check(CLI::PositiveNumber);
  oSteps->excludes(oEpochs);
  auto* oBatch =
      trainc->add_option("--batch", tBatch, "images per step")->check(CLI::PositiveNumber);
  auto* oCrop = trainc->add_option("--crop", tCrop, "training crops are CROP x CROP pixels")
                    ->check(CLI::PositiveNumber);
  auto* oLr = trainc->add_option("--lr", tLr, "base learning rate (the schedule scales it)")
                  ->check(CLI::PositiveNumber);
  trainc->add_flag("--deterministic", topt.deterministic,
                   "one thread, fixed seeds and deterministic cuDNN algorithms on cuda: two runs "
                   "give bit-identical losses");
  trainc->add_option(
      "--out", topt.out,
      "folder for the log, checkpoints and weights (default: runs/ENTRY; with --resume, the "
      "checkpoint's folder)");
  trainc->add_flag("--overwrite", topt.overwrite,
                   "start a new run in an --out folder that already holds one");
  auto* oCkptEvery = trainc
                         ->add_option("--checkpoint-every", tCkptEvery,
                                      "write a checkpoint every N steps (0: only at the end)")
                         ->check(CLI::NonNegativeNumber);
  auto* oEvalEvery = trainc
                         ->add_option("--eval-every", tEvalEvery,
                                      "evaluate every N steps (0: before and after training only)")
                         ->check(CLI::NonNegativeNumber);
  trainc->add_option("--eval-max", topt.evalMax, "evaluate on the first N held-out pairs (0: all)")
      ->check(CLI::NonNegativeNumber);
  trainc->add_option("--resume", topt.resume, "continue the run of this checkpoint exactly");
  trainc->add_option("--entry", topt.entry, "the train entry (default: the file's first)");
  std::vector<std::string> tSets;
  trainc->add_option("--set", tSets,
                     "override a parameter of the train entry (and of the model, when it has "
                     "one of that name), e.g. --set sad_start=500");

  CLI11_PARSE(app, argc, argv);
  profile = profile || oTop->count() > 0 || oTrace->count() > 0;
  Profiler profiler;

  if (*trainc) {
    SourceManager sm;
    topt.model = model;
    for (auto& kv : tSets) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "error: --set expects NAME=VALUE, got '" << kv << "'\n";
        return 2;
      }
      topt.overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    topt.backend = backendName;
    topt.weights = weightsPath;
    if (app.get_option("--seed")->count()) topt.seed = seed;
    if (oSteps->count()) topt.steps = tSteps;
    if (oEpochs->count()) topt.epochs = tEpochs;
    if (oBatch->count()) topt.batch = tBatch;
    if (oCrop->count()) topt.crop = tCrop;
    if (oLr->count()) topt.lr = tLr;
    if (oEvalEvery->count()) topt.evalEvery = tEvalEvery;
    if (oCkptEvery->count()) topt.checkpointEvery = tCkptEvery;
    topt.progress = &std::cerr;
    topt.live = ::isatty(STDERR_FILENO) != 0;
    struct winsize ws {};
    if (topt.live && ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) topt.columns = ws.ws_col;
    topt.stop = &gStopRequested;
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    if (profile) topt.profiler = &profiler;
    auto r = train(sm, topt);
    if (!r) return fail(sm, r.status());
    if (profile && finishProfile(profiler, sm, profileTop, tracePath, r->outDir) != 0) return 1;
    return r->interrupted ? 130 : 0;
  }

  SourceManager sm;
  std::vector<std::pair<std::string, std::string>> evalList;
  if (*evalc) { // check the data before the (slower) model load
    auto pairs = evalPairs(evalData);
    if (!pairs) return fail(sm, pairs.status());
    evalList = std::move(*pairs);
    if (evalMax > 0 && static_cast<size_t>(evalMax) < evalList.size()) evalList.resize(evalMax);
  }
  auto m = loadModel(sm, model, {});
  if (!m) return fail(sm, m.status());
  auto backend = createBackend(backendName);
  if (!backend) return fail(sm, backend.status());
  Expected<Weights> w =
      weightsPath.empty() ? initialWeights(m->graph, seed) : loadWeights(m->graph, weightsPath);
  if (!w) return fail(sm, w.status());

  if (*initw) {
    if (profile) {
      std::cerr << "error: --profile applies to enhance, bench, eval and train\n";
      return 2;
    }
    TensorFile f;
    f.tensors = std::move(*w);
    f.metadata["model"] = m->graph.entry;
    f.metadata["seed"] = std::to_string(seed);
    Status st = writeSafetensors(initOut, f);
    if (!st) return fail(sm, st);
    std::cerr << "wrote " << initOut << " (" << f.tensors.size() << " tensors)\n";
    return 0;
  }

  Enhancer enhancer(*m, **backend, std::move(*w));
  if (profile && !*bench) enhancer.setProfiler(&profiler);
  if (*bench) {
    int64_t H = 0, W = 0;
    if (std::sscanf(size.c_str(), "%ldx%ld", &H, &W) != 2 || H <= 0 || W <= 0) {
      std::cerr << "error: --size expects HxW, e.g. 256x256\n";
      return 2;
    }
    HostTensor x({1, 3, H, W});
    for (int64_t i = 0; i < x.numel(); ++i)
      x.f32()[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.f;
    std::vector<double> ms;
    for (int i = 0; i < warmup + iters; ++i) {
      if (profile && i == warmup) enhancer.setProfiler(&profiler); // the timed runs only
      auto t0 = std::chrono::steady_clock::now();
      auto y = enhancer.enhance(x);
      auto t1 = std::chrono::steady_clock::now();
      if (!y) return fail(sm, y.status());
      if (i >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::cout << "{\"model\": \"" << m->graph.entry << "\", \"size\": \"" << size
              << "\", \"median_ms\": " << ms[ms.size() / 2] << ", \"min_ms\": " << ms.front()
              << ", \"iters\": " << iters << "}\n";
    return profile ? finishProfile(profiler, sm, profileTop, tracePath, ".") : 0;
  }

  if (*evalc) {
    const MetricInput mode = evalUint8 ? MetricInput::Uint8 : MetricInput::Float;
    const char* modeName = evalUint8 ? "uint8" : "float";
    nlohmann::ordered_json images = nlohmann::ordered_json::array();
    double sum[4] = {0, 0, 0, 0}; // input PSNR, input SSIM, output PSNR, output SSIM
    int done = 0, failures = 0;
    for (auto& [lowPath, highPath] : evalList) {
      const std::string name = fs::path(lowPath).filename().string();
      auto t0 = std::chrono::steady_clock::now();
      auto low = loadImage(lowPath);
      auto high = loadImage(highPath);
      if (!low || !high) {
        std::cerr << renderStatus(sm, !low ? low.status() : high.status());
        ++failures;
        continue;
      }
      if (low->shape != high->shape) {
        std::cerr << "error: eval: size mismatch for " << name << ": low/" << name << " is "
                  << low->shape[3] << "x" << low->shape[2] << " but high/" << name << " is "
                  << high->shape[3] << "x" << high->shape[2] << "\n";
        ++failures;
        continue;
      }
      auto y = enhancer.enhance(*low);
      if (!y) return fail(sm, y.status());
      // Measure the image as it would be saved: clamped to [0, 1].
      for (int64_t i = 0; i < y->numel(); ++i)
        y->f32()[i] = std::isnan(y->f32()[i]) ? 0.f : std::clamp(y->f32()[i], 0.f, 1.f);
      Expected<double> r[4] = {psnr(*low, *high, 1.0, mode), ssim(*low, *high, mode),
                               psnr(*y, *high, 1.0, mode), ssim(*y, *high, mode)};
      bool ok = true;
      for (auto& v : r)
        if (!v) {
          std::cerr << "error: eval: " << name << ": " << v.status().message() << "\n";
          ok = false;
          break;
        }
      if (!ok) {
        ++failures;
        continue;
      }
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      for (int k = 0; k < 4; ++k)
        sum[k] += *r[k];
      ++done;
      std::cout << name << "  " << low->shape[3] << "x" << low->shape[2]
                << "  input: PSNR " << fmtMetric(*r[0], 4) << " dB  SSIM " << fmtMetric(*r[1], 4)
                << "  output: PSNR " << fmtMetric(*r[2], 4) << " dB  SSIM "
                << fmtMetric(*r[3], 4) << "  (" << static_cast<int>(ms) << " ms)" << std::endl;
      images.push_back({{"name", name},
                        {"width", low->shape[3]},
                        {"height", low->shape[2]},
                        {"input", {{"psnr", *r[0]}, {"ssim", *r[1]}}},
                        {"output", {{"psnr", *r[2]}, {"ssim", *r[3]}}},
                        {"ms", ms}});
    }
    double mean[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4; ++k)
      mean[k] = done ? sum[k] / done : std::nan("");
    if (done)
      std::cout << "mean over " << done << " image" << (done == 1 ? "" : "s") << " (" << modeName
                << "): input: PSNR " << fmtMetric(mean[0], 4) << " dB  SSIM "
                << fmtMetric(mean[1], 4) << "  output: PSNR " << fmtMetric(mean[2], 4)
                << " dB  SSIM " << fmtMetric(mean[3], 4) << "\n";
    if (evalJson) {
      nlohmann::ordered_json j;
      j["model"] = m->graph.entry;
      j["data"] = evalData;
      j["metrics"] = modeName;
      j["count"] = done;
      j["failed"] = failures;
      j["mean"] = {{"input", {{"psnr", mean[0]}, {"ssim", mean[1]}}},
                   {"output", {{"psnr", mean[2]}, {"ssim", mean[3]}}}};
      j["images"] = images;
      std::cout << j.dump() << "\n";
    }
    if (profile && finishProfile(profiler, sm, profileTop, tracePath, ".") != 0) return 1;
    if (failures)
      std::cerr << "error: eval: " << failures << " of " << evalList.size()
                << " pairs could not be evaluated\n";
    return failures ? 1 : 0;
  }

  std::vector<std::string> files;
  for (auto& in : inputs) {
    auto l = listImages(in);
    if (!l) return fail(sm, l.status());
    files.insert(files.end(), l->begin(), l->end());
  }
  if (files.empty()) {
    std::cerr << "error: no images (png, jpg, jpeg, bmp) found in the inputs\n";
    return 1;
  }
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) {
    std::cerr << "error: cannot create '" << outDir << "': " << ec.message() << "\n";
    return 1;
  }
  int failures = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto img = loadImage(files[i]);
    if (!img) {
      std::cerr << renderStatus(sm, img.status());
      ++failures;
      continue;
    }
    auto y = enhancer.enhance(*img);
    if (!y) return fail(sm, y.status());
    std::string out = (fs::path(outDir) / fs::path(files[i]).stem()).string() + ".png";
    Status st = savePng(out, *y);
    if (!st) return fail(sm, st);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "[" << i + 1 << "/" << files.size() << "] " << files[i] << " -> " << out << " ("
              << img->shape[3] << "x" << img->shape[2] << ", " << static_cast<int>(ms) << " ms)\n";
  }
  if (profile && finishProfile(profiler, sm, profileTop, tracePath, outDir) != 0) return 1;
  return failures ? 1 : 0;
}

/// A device failure inside a kernel run or a copy (the cuda backend's CudaError: the call, its
/// file:line and the library's error) has no Status to travel in; it ends here as an error
/// message and exit status 1 instead of an uncaught exception.
int main(int argc, char** argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
