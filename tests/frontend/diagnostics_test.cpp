// Semantic diagnostics: each broken .llie snippet must give its exact message at its exact
// file:line:col, with a caret line and, where there is one, a hint; several errors per run.
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

using namespace llie::testing;

namespace {

struct Case {
  const char* name;
  const char* source;
  const char* firstLine; ///< "test.llie:L:C: error: message"
  const char* hint;      ///< substring of a hint line, or ""
};

const char* kHeader = "import \"std/nn.llie\"\n";

std::string firstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

class SemanticError : public ::testing::TestWithParam<Case> {};

TEST_P(SemanticError, ReportsMessageLocationAndHint) {
  const Case& c = GetParam();
  auto r = compileText(std::string(kHeader) + c.source);
  ASSERT_FALSE(r->model.ok()) << "expected an error for " << c.name;
  EXPECT_EQ(firstLine(r->errors), c.firstLine) << r->errors;
  // The caret line sits under the reported column.
  std::string rest = r->errors.substr(r->errors.find('\n') + 1);
  std::string caretLine = rest.substr(rest.find('\n') + 1);
  caretLine = caretLine.substr(0, caretLine.find('\n'));
  EXPECT_NE(caretLine.find('^'), std::string::npos) << r->errors;
  if (*c.hint) {
    EXPECT_NE(r->errors.find(std::string("hint: ") + c.hint), std::string::npos) << r->errors;
  }
}

const Case kCases[] = {
    {"unknown_op", "model M(x: [N, 3, H, W]) -> y {\n  y = x |> conv2e(8, 3)\n}\n",
     "test.llie:3:12: error: unknown op or block 'conv2e'", "did you mean 'conv2d'?"},
    {"unknown_name", "model M(x: [N, 3, H, W]) -> y {\n  feat = relu(x)\n  y = relu(fet)\n}\n",
     "test.llie:4:12: error: unknown name 'fet'", "did you mean 'feat'?"},
    {"concat_shape_mismatch",
     "model M(x: [N, 3, H, W]) -> y {\n  require H % 2 == 0, W % 2 == 0\n  d = max_pool2d(x, 2)\n  "
     "y = concat(x, d)\n}\n",
     "test.llie:5:7: error: concat: inputs disagree in dimension 2: [N, 3, H, W] vs [N, 3, H/2, "
     "W/2]",
     ""},
    {"stride_needs_divisibility",
     "model M(x: [N, 3, H, W]) -> y {\n  require H % 4 == 0, W % 16 == 0\n  y = x |> conv2d(8, 3, "
     "stride=2, padding=1) |> conv2d(8, 3, stride=2, padding=1)\n        |> conv2d(8, 3, stride=2, "
     "padding=1)\n}\n",
     "test.llie:5:12: error: conv2d: the height H/4 is not known to be divisible by the stride 2",
     "add `require H % 8 == 0` to the model (llie-run pads inputs to that multiple automatically)"},
    {"matmul_bias_shape",
     "model M(x: [N, 8], w: [8, 4], b: [3]) -> y {\n  y = matmul(x, w, b)\n}\n",
     "test.llie:3:7: error: matmul: bias [3] does not broadcast to the product's shape [N, 4]",
     "a linear layer's bias has shape [out_features]"},
    {"broadcast_mismatch",
     "model M(x: [N, 3, H, W]) -> y {\n  a = conv2d(x, 8, 1)\n  b = conv2d(x, 4, 1)\n  y = a + "
     "b\n}\n",
     "test.llie:5:9: error: add: shapes [N, 8, H, W] and [N, 4, H, W] cannot be broadcast together",
     "each dimension must be equal, or 1 in one of them"},
    {"wrong_argument_type", "model M(x: [N, 3, H, W]) -> y {\n  y = ConvBN(x, 8, act=6)\n}\n",
     "test.llie:3:20: error: parameter 'act' expects a string, got an int", ""},
    {"missing_argument", "model M(x: [N, 3, H, W]) -> y {\n  y = InvertedResidual(x)\n}\n",
     "test.llie:3:7: error: missing argument 'cout' of 'InvertedResidual'", ""},
    {"unknown_keyword",
     "model M(x: [N, 3, H, W]) -> y {\n  y = InvertedResidual(x, 8, strid=2)\n}\n",
     "test.llie:3:30: error: 'InvertedResidual' has no parameter 'strid'",
     "did you mean 'stride'?"},
    {"unknown_op_setting", "model M(x: [N, 3, H, W]) -> y {\n  y = leaky_relu(x, alpah=0.2)\n}\n",
     "test.llie:3:21: error: leaky_relu has no setting 'alpah'", "did you mean 'alpha'?"},
    {"duplicate_parameter_name",
     "model M(x: [N, 3, H, W]) -> y {\n  a = conv2d(x, 8, 3, padding=1, name=\"c\")\n  y = "
     "conv2d(a, 8, 3, padding=1, name=\"c\")\n}\n",
     "test.llie:4:7: error: parameter name 'c.weight' is already used",
     "give this layer its own name"},
    {"output_never_assigned", "model M(x: [N, 3, H, W]) -> (y, z) {\n  y = relu(x)\n}\n",
     "test.llie:2:33: error: output 'z' is never assigned", ""},
    {"if_on_tensor",
     "model M(x: [N, 3, H, W]) -> y {\n  y = x\n  if x > 0.5 {\n    y = relu(x)\n  }\n}\n",
     "test.llie:4:8: error: 'if' needs a compile-time bool, got a tensor",
     "for a choice per element of a tensor use where(cond, a, b)"},
    {"channels_mismatch_in_conv_weight_block",
     "model M(x: [N, 3, H, W]) -> y {\n  y = conv2d(x, 8, 3, groups=2)\n}\n",
     "test.llie:3:7: error: conv2d: groups=2 must divide the input (3) and output (8) channels",
     ""},
    {"list_index_out_of_range",
     "model M(x: [N, 3, H, W]) -> y {\n  w = [8, 16]\n  y = conv2d(x, w[2], 1)\n}\n",
     "test.llie:4:19: error: index 2 is out of range for a list of 2", ""},
    {"symbolic_division", "model M(x: [N, 3, H, W]) -> y {\n  y = resize(x, size=[H / 3, W])\n}\n",
     "test.llie:3:25: error: H is not known to be divisible by 3",
     "add `require H % 3 == 0`, or use // to round down"},
    {"missing_import", "import \"std/nothere.llie\"\nmodel M(x: [N, 3, H, W]) -> y {\n  y = x\n}\n",
     "test.llie:2:8: error: cannot find imported file 'std/nothere.llie'", ""},
    {"too_many_tensor_inputs", "model M(x: [N, 3, H, W]) -> y {\n  y = relu(x, x)\n}\n",
     "test.llie:3:7: error: relu expects 1 tensor arguments, got 2", "relu takes 1 tensors"},
    {"loss_outside_train", "model M(x: [N, 3, H, W]) -> y {\n  y = x\n  loss l = mean(x)\n}\n",
     "test.llie:4:3: error: 'loss' statements belong in train entries", ""},
    {"train_loss_not_scalar",
     "model M(x: [N, 3, H, W]) -> y {\n  y = relu(x)\n}\ntrain T(x: [N, 3, H, W], gt: [N, 3, H, "
     "W]) {\n  y = M(x)\n  loss l1 = abs(y - gt)\n}\n",
     "test.llie:7:13: error: a loss must be a scalar, got shape [N, 3, H, W]",
     "reduce it with mean(...)"},
};

INSTANTIATE_TEST_SUITE_P(Suite, SemanticError, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace

TEST(SemanticErrors, SeveralIndependentErrorsAreAllReported) {
  auto r = compileText(std::string(kHeader) + "model M(x: [N, 3, H, W]) -> y {\n"
                                              "  a = relu(xx)\n"
                                              "  b = conv2e(x, 8, 3)\n"
                                              "  y = sigmoid(x, 1, 2)\n"
                                              "}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_EQ(r->model.status().diagnostics().size(), 3u) << r->errors;
  EXPECT_NE(r->errors.find("test.llie:3:12: error: unknown name 'xx'"), std::string::npos)
      << r->errors;
  EXPECT_NE(r->errors.find("test.llie:4:7: error: unknown op or block 'conv2e'"),
            std::string::npos);
  EXPECT_NE(r->errors.find("test.llie:5:"), std::string::npos);
}

TEST(SemanticErrors, NoteShowsWhereANameWasFirstUsed) {
  auto r = compileText(std::string(kHeader) + "model M(x: [N, 3, H, W]) -> y {\n"
                                              "  a = conv2d(x, 8, 1, name=\"c\")\n"
                                              "  y = conv2d(a, 8, 1, name=\"c\")\n"
                                              "}\n");
  ASSERT_FALSE(r->model.ok());
  EXPECT_NE(r->errors.find("test.llie:3:7: note: first used here"), std::string::npos) << r->errors;
}

TEST(SemanticErrors, TrainEntriesAreCheckedNow) {
  auto ok = compileText(
      std::string(kHeader) +
          "model M(x: [N, 3, H, W]) -> y {\n  y = conv2d(x, 3, 3, padding=1) |> sigmoid()\n}\n"
          "train T(x: [N, 3, H, W], gt: [N, 3, H, W]) {\n"
          "  y = M(x)\n"
          "  loss l1 = l1_loss(y, gt)\n"
          "  loss tv = 0.1 * mean(abs(y - gt))\n"
          "  optimizer = adam(lr=1e-3)\n"
          "}\n",
      {"T", false, {}});
  ASSERT_TRUE(ok->model.ok()) << ok->errors;
  const auto& g = ok->model->graph;
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0].name, "loss.l1");
  EXPECT_EQ(g.outputs[1].name, "loss.tv");
  // The model called from a train entry keeps its root parameter names.
  EXPECT_GE(g.findParam("conv2d.weight") + g.findParam("y.weight"), -1);
}
