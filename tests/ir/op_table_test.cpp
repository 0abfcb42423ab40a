// The op table is complete: every op has a shape rule, a unique name that round-trips, a
// reference kernel wherever the CPU backend has a kernel, and a row in docs/ops.md. The ops
// still without CPU kernels are exactly the documented list below (they arrive with training,
// FFT models and transformers); giving one a kernel means moving it out of this list.
#include "backends/backend.h"
#include "compiler/ops/shape_rules.h"
#include "tests/runtime/tmp_dir.h"

#include <gtest/gtest.h>

#include <set>

using namespace llie;

namespace {
std::vector<OpKind> allOps() {
  std::vector<OpKind> r;
  for (size_t i = 0; i < kNumOps; ++i)
    r.push_back(static_cast<OpKind>(i));
  return r;
}
} // namespace

TEST(OpTable, EveryOpHasAShapeRuleAndAUniqueName) {
  std::set<std::string> names;
  for (OpKind k : allOps()) {
    EXPECT_NE(shapeRuleFor(k), nullptr) << opName(k);
    EXPECT_TRUE(names.insert(opName(k)).second) << "duplicate name " << opName(k);
    ASSERT_TRUE(opFromName(opName(k)).has_value());
    EXPECT_EQ(*opFromName(opName(k)), k);
    EXPECT_EQ(defaultAttrs(k).index(), opInfo(k).attrsIndex) << opName(k);
    EXPECT_LE(opInfo(k).minInputs, opInfo(k).maxInputs) << opName(k);
  }
}

TEST(OpTable, CpuKernelsCoverEverythingButTheDocumentedRemainder) {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  ASSERT_TRUE(cpu.ok() && ref.ok());
  // One op per line.
  // clang-format off
  const std::set<std::string> withoutCpuKernel = {
      "conv_transpose2d",
      "matmul",
      "instancenorm",
      "layernorm",
      "l2_normalize",
      "argmax",
      "kth_value",
      "log_softmax",
      "pixel_shuffle",
      "pixel_unshuffle",
      "cross_entropy",
      "kl_div",
      "drop_path",
  };
  // clang-format on
  std::set<std::string> missing;
  for (OpKind k : allOps()) {
    if (!(*cpu)->implements(k)) missing.insert(opName(k));
    // The reference kernels are the oracle: every CPU kernel must have one.
    if ((*cpu)->implements(k)) EXPECT_TRUE((*ref)->implements(k)) << opName(k);
  }
  EXPECT_EQ(missing, withoutCpuKernel);
}

TEST(OpTable, DocsListEveryOp) {
  std::string doc = llie::testing::readAll(std::string(LLIE_SOURCE_DIR) + "/docs/ops.md");
  ASSERT_FALSE(doc.empty()) << "docs/ops.md is missing";
  for (OpKind k : allOps())
    EXPECT_NE(doc.find("| `" + std::string(opName(k)) + "` |"), std::string::npos)
        << "docs/ops.md has no row for " << opName(k);
}
