// Zero-DCE's zero-reference losses written in .llie (models/std/losses.llie) against the official
// definitions computed by Debian's PyTorch in float64 (zero_dce_losses.py): colour constancy,
// spatial consistency, exposure control and illumination smoothness, each to 1e-5 relative.
// Skips with a message when torch is not importable.
#include "compiler/passes/specialize.h"
#include "runtime/model.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/compile.h"
#include "tests/testing/run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

using namespace llie;
using namespace llie::testing;

TEST(ZeroDceLosses, LlieLossesMatchTheOfficialCode) {
  if (!torchAvailable())
    GTEST_SKIP() << "PyTorch is not importable by /usr/bin/python3 (install python3-torch)";
  TmpDir d;
  std::string cmd = "/usr/bin/python3 " + repoPath("tests/parity/zero_dce_losses.py") + " --out " +
                    d.path("case");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto r = compileText("import \"std/losses.llie\"\n"
                       "model L(x: [N, 3, H, W], y: [N, 3, H, W], a: [N, 24, H, W]) -> (col, spa, exp, tv) {\n"
                       "  require H % 16 == 0, W % 16 == 0\n"
                       "  col = ColorConstancy(y)\n"
                       "  spa = SpatialConsistency(y, x)\n"
                       "  exp = Exposure(y)\n"
                       "  tv = IlluminationTV(a)\n"
                       "}\n",
                       {"", true, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto in = readSafetensors(d.path("case/inputs.safetensors"));
  auto want = readSafetensors(d.path("case/expected.safetensors"));
  ASSERT_TRUE(in.ok() && want.ok());
  InputShapes shapes;
  for (auto& [name, t] : in->tensors) shapes[name] = t.shape;
  auto sg = specializeGraph(r->model->graph, shapes);
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(std::move(*sg), **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights({}).isOk());
  for (auto& [name, t] : in->tensors) ASSERT_TRUE((*ex)->setInput(name, t).isOk()) << name;
  ASSERT_TRUE((*ex)->run().isOk());
  for (const char* name : {"col", "spa", "exp", "tv"}) {
    auto got = (*ex)->output(name);
    ASSERT_TRUE(got.ok()) << name;
    double g = got->f32()[0];
    double w = reinterpret_cast<const double*>(want->tensors.at(name).storage.data())[0];
    std::printf("[losses] %-3s llie %.8g  torch %.8g\n", name, g, w);
    EXPECT_NEAR(g, w, 1e-5 * std::fabs(w) + 1e-9) << name;
  }
}
