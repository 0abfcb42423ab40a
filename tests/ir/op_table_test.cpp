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

TEST(OpTable, CpuAndReferenceKernelsCoverEveryOp) {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  ASSERT_TRUE(cpu.ok() && ref.ok());
  for (OpKind k : allOps()) {
    EXPECT_TRUE((*cpu)->implements(k)) << opName(k) << " has no cpu kernel";
    // The reference kernels are the oracle: every op has one.
    EXPECT_TRUE((*ref)->implements(k)) << opName(k) << " has no reference kernel";
  }
}

TEST(OpTable, DocsListEveryOp) {
  std::string doc = llie::testing::readAll(std::string(LLIE_SOURCE_DIR) + "/docs/ops.md");
  ASSERT_FALSE(doc.empty()) << "docs/ops.md is missing";
  for (OpKind k : allOps())
    EXPECT_NE(doc.find("| `" + std::string(opName(k)) + "` |"), std::string::npos)
        << "docs/ops.md has no row for " << opName(k);
}
