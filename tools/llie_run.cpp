// llie-run: executes a compiled plan (or a .llie file, compiled on the fly).
//   llie-run MODEL enhance IN... -o OUTDIR [--weights W]   images or folders in, PNGs out
//   llie-run MODEL bench --size HxW                          time the model on one input size
//   llie-run MODEL init-weights -o W.safetensors             write seeded initial weights
// Training and evaluation arrive with the training entries.
#include "runtime/image_io.h"
#include "runtime/model.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

using namespace llie;
namespace fs = std::filesystem;

static int fail(const SourceManager& sm, const Status& st) {
  std::cerr << renderStatus(sm, st);
  return 1;
}

int main(int argc, char** argv) {
  CLI::App app{
      "llie-run: run a compiled llie model.\n"
      "Examples:\n"
      "  llie-run zero_dce.plan enhance photos/ -o out/\n"
      "  llie-run models/sadfpn_unet.llie enhance dark.png -o out/ --weights unet.safetensors\n"
      "  llie-run unet.plan bench --size 256x256"};
  std::string model, backendName = "cpu", weightsPath;
  uint64_t seed = 0;
  app.add_option("model", model, "a plan from llie-compile, or a .llie file")->required();
  app.add_option("--backend", backendName, "cpu (oneDNN) or reference (slow, for checking)");
  app.add_option("--weights", weightsPath,
                 "safetensors weights (default: seeded initialisation, see --seed)");
  app.add_option("--seed", seed, "seed for initial weights");
  app.require_subcommand(1);

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

  CLI11_PARSE(app, argc, argv);

  SourceManager sm;
  auto m = loadModel(sm, model, {});
  if (!m) return fail(sm, m.status());
  auto backend = createBackend(backendName);
  if (!backend) return fail(sm, backend.status());
  Expected<Weights> w =
      weightsPath.empty() ? initialWeights(m->graph, seed) : loadWeights(m->graph, weightsPath);
  if (!w) return fail(sm, w.status());

  if (*initw) {
    TensorFile f;
    f.tensors = std::move(*w);
    f.metadata["model"] = m->graph.entry;
    f.metadata["seed"] = std::to_string(seed);
    Status st = writeSafetensors(initOut, f);
    if (!st) return fail(sm, st);
    std::cerr << "wrote " << initOut << " (" << f.tensors.size() << " tensors)\n";
    return 0;
  }

  Enhancer enhancer(*m, **backend, std::move(*w), &sm);
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
    return 0;
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
  return failures ? 1 : 0;
}
