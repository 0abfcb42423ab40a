// instancenorm (all channels, and the first half only as HIN uses it), layernorm and l2_normalize
// against PyTorch in float64 (norms_reference.py): the cpu forward, and every gradient of
// L = Σ r·y from the training step the autodiff pass builds, to 1e-4. Skips with a message when
// torch is not importable.
#include "compiler/passes/specialize.h"
#include "runtime/safetensors.h"
#include "tests/autodiff/grad_check.h"
#include "tests/runtime/tmp_dir.h"
#include "tests/testing/run.h"

#include <cmath>
#include <cstdlib>

using namespace llie;
using namespace llie::testing;
using llie::gradcheck::GC;

namespace {

struct NormCase {
  std::string name;
  OpKind op;
  NormAttrs attrs;
  int inputs;
};

double f64At(const HostTensor& t, int64_t i) {
  return reinterpret_cast<const double*>(t.storage.data())[i];
}

// max |got − want| over a float32 result against a float64 one.
double maxErr(const HostTensor& got, const HostTensor& want) {
  EXPECT_EQ(got.shape, want.shape);
  double worst = 0;
  for (int64_t i = 0; i < got.numel(); ++i)
    worst = std::max(worst, std::fabs(got.f32()[i] - f64At(want, i)));
  return worst;
}

void checkCase(const NormCase& nc, const TensorFile& in, const TensorFile& want) {
  GC c;
  std::map<std::string, HostTensor> weights;
  std::vector<ValueId> ins;
  for (int i = 0; i < nc.inputs; ++i) {
    const HostTensor& t = in.tensors.at(nc.name + "." + std::to_string(i));
    ins.push_back(c.param(t.shape));
    weights["p" + std::to_string(i)] = t;
  }
  ValueId y = c.op(nc.op, nc.attrs, ins);
  ASSERT_NE(y, kNoValue);
  auto step = weightedSumStep(c, y);
  ASSERT_TRUE(step.ok()) << step.status().message();
  // The forward value too: y joins the outputs of the specialised step.
  Graph sg = *step;
  sg.outputs.push_back({"y", y});
  auto spec = specializeGraph(sg, {});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto backend = createBackend("cpu");
  ASSERT_TRUE(backend.ok());
  auto ex = Executor::create(*spec, **backend);
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  ASSERT_TRUE((*ex)->setWeights(weights).ok());
  ASSERT_TRUE((*ex)->setInput("r", in.tensors.at(nc.name + ".r")).ok());
  ASSERT_TRUE((*ex)->run().ok());
  double e = maxErr(*(*ex)->output("y"), want.tensors.at(nc.name + ".y"));
  std::printf("[norms vs torch] %-4s y max err %.2e", nc.name.c_str(), e);
  EXPECT_LT(e, 1e-4) << nc.name << " y";
  for (int i = 0; i < nc.inputs; ++i) {
    auto g = (*ex)->output("grad.p" + std::to_string(i));
    ASSERT_TRUE(g.ok()) << nc.name << " has no gradient for input " << i;
    double ge = maxErr(*g, want.tensors.at(nc.name + ".grad" + std::to_string(i)));
    std::printf(", d%d %.2e", i, ge);
    EXPECT_LT(ge, 1e-4) << nc.name << " gradient of input " << i;
  }
  std::printf("\n");
}

} // namespace

TEST(NormsParity, ForwardAndGradientsMatchPyTorch) {
  if (!torchAvailable())
    GTEST_SKIP() << "PyTorch is not importable by /usr/bin/python3 (install python3-torch)";
  TmpDir d;
  std::string cmd = "/usr/bin/python3 " + repoPath("tests/parity/norms_reference.py") + " --out " +
                    d.path("case");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto in = readSafetensors(d.path("case/inputs.safetensors"));
  auto want = readSafetensors(d.path("case/expected.safetensors"));
  ASSERT_TRUE(in.ok() && want.ok());
  for (const NormCase& nc :
       {NormCase{"in", OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1}, 3},
        NormCase{"hin", OpKind::InstanceNorm, NormAttrs{.eps = 1e-5, .axis = 1, .channels = 3}, 3},
        NormCase{"ln", OpKind::LayerNorm, NormAttrs{.eps = 1e-6, .axis = 2}, 3},
        NormCase{"l2", OpKind::L2Normalize, NormAttrs{.eps = 1e-12, .axis = 1}, 1}})
    checkCase(nc, *in, *want);
}
