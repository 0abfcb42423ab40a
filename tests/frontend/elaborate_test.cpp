// Elaboration of the bundled models: parameter names by block path, counts, symbolic shapes,
// compile-time overrides, plan round trips and specialisation to concrete shapes.
#include "compiler/ir/printer.h"
#include "compiler/ir/serialize.h"
#include "compiler/passes/specialize.h"
#include "compiler/passes/weight_only.h"
#include "tests/testing/compile.h"

#include <gtest/gtest.h>

using namespace llie;
using namespace llie::testing;

namespace {
std::map<std::string, Shape> paramsOf(const Graph& g, OpKind kind) {
  std::map<std::string, Shape> r;
  for (auto& n : g.nodes)
    if (n.op == kind) r[attrsOf<ParamAttrs>(n).name] = g.type(n.outputs[0]).shape;
  return r;
}
Shape cs(std::initializer_list<int64_t> v) {
  Shape s;
  for (auto x : v)
    s.push_back(Dim::constant(x));
  return s;
}
} // namespace

TEST(Elaborate, ZeroDceHasTheOfficialNamesAndParameterCount) {
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto params = paramsOf(r->model->graph, OpKind::Param);
  ASSERT_EQ(params.size(), 14u);
  int64_t total = 0;
  for (auto& [n, s] : params)
    total += shapeNumel(s);
  EXPECT_EQ(total, 79416); // model-zoo.md §2.1
  EXPECT_EQ(params.at("e_conv1.weight"), cs({32, 3, 3, 3}));
  EXPECT_EQ(params.at("e_conv5.weight"), cs({32, 64, 3, 3}));
  EXPECT_EQ(params.at("e_conv7.weight"), cs({24, 64, 3, 3}));
  EXPECT_EQ(params.at("e_conv7.bias"), cs({24}));
  const Graph& g = r->model->graph;
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0].name, "enhanced");
  EXPECT_EQ(g.nodesOf(OpKind::Slice).size(), 8u);
  EXPECT_EQ(g.nodesOf(OpKind::Conv2d).size(), 7u);
}

TEST(Elaborate, OverridesChangeCompileTimeParameters) {
  ElaborateOptions eo;
  eo.overrides["iterations"] = "4";
  auto r = compileRepoModel("models/zero_dce.llie", eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto params = paramsOf(r->model->graph, OpKind::Param);
  EXPECT_EQ(params.at("e_conv7.weight"), cs({12, 64, 3, 3}));
  EXPECT_EQ(r->model->graph.nodesOf(OpKind::Slice).size(), 4u);
}

TEST(Elaborate, FlagshipNamesFollowTheBlockPath) {
  ElaborateOptions eo;
  eo.allOutputs = true;
  auto r = compileRepoModel("models/sadfpn_unet.llie", eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  auto params = paramsOf(g, OpKind::Param);
  auto state = paramsOf(g, OpKind::State);
  // stem 2 ConvBN, 8 inverted residuals of 3 ConvBN, 9 FPN convs with bias, 8 decoder ConvBN, head.
  EXPECT_EQ(params.size(), 2u * 3 + 8 * 9 + 9 * 2 + 8 * 3 + 2);
  EXPECT_EQ(state.size(), 2u * 2 + 8 * 3 * 2 + 8 * 2);
  EXPECT_EQ(params.at("stem.0.conv.weight"), cs({64, 3, 3, 3}));
  EXPECT_EQ(params.at("e1.0.expand.conv.weight"), cs({256, 64, 1, 1}));
  EXPECT_EQ(params.at("e1.0.dw.conv.weight"), cs({256, 1, 3, 3}));
  EXPECT_EQ(params.at("e2.0.project.conv.weight"), cs({128, 256, 1, 1}));
  EXPECT_EQ(params.at("e4.1.expand.bn.weight"), cs({1024}));
  EXPECT_EQ(state.at("e3.1.dw.bn.running_var"), cs({1024}));
  EXPECT_EQ(params.at("fpn.lateral.4.weight"), cs({64, 256, 1, 1}));
  EXPECT_EQ(params.at("fpn.smooth.0.bias"), cs({64}));
  EXPECT_EQ(params.count("fpn.smooth.4.weight"), 0u);
  EXPECT_EQ(params.at("dec.3.0.conv.weight"), cs({128, 256 + 64, 3, 3}));
  EXPECT_EQ(params.at("dec.0.1.conv.weight"), cs({32, 32, 3, 3}));
  EXPECT_EQ(params.at("head.weight"), cs({3, 32, 3, 3}));
  // Symbolic shapes: e4 is H/16 x W/16 with 256 channels; y is full size.
  ASSERT_EQ(g.outputs.size(), 5u);
  auto shapeOf = [&](const std::string& name) {
    for (auto& o : g.outputs)
      if (o.name == name) return shapeToString(g.type(o.value).shape, g.symbols);
    return std::string("?");
  };
  EXPECT_EQ(shapeOf("y"), "[N, 3, H, W]");
  EXPECT_EQ(shapeOf("e1"), "[N, 64, H/2, W/2]");
  EXPECT_EQ(shapeOf("e4"), "[N, 256, H/16, W/16]");
  // Residuals exist exactly for the 4 stride-1 blocks with cin == cout, plus 4 FPN adds, each
  // summed into its conv by fuse-residual (the folded batchnorms' var + eps adds are
  // weight-only).
  auto weightOnly = weightOnlyNodes(g);
  size_t adds = 0, residuals = 0;
  for (NodeId id : g.nodesOf(OpKind::Add))
    adds += !weightOnly[id];
  for (NodeId id : g.nodesOf(OpKind::Conv2d))
    residuals += attrsOf<Conv2dAttrs>(g.nodes[id]).residual;
  EXPECT_EQ(adds, 0u);
  EXPECT_EQ(residuals, 8u);
}

TEST(Elaborate, PlanJsonRoundTripPrintsTheSameIr) {
  auto r = compileRepoModel("models/sadfpn_unet.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto j = graphToJson(r->model->graph, r->sm);
  SourceManager sm2;
  auto back = graphFromJson(nlohmann::json::parse(j.dump()), sm2);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(printGraph(*back, &sm2), printGraph(r->model->graph, &r->sm));
}

TEST(Elaborate, CorruptPlanIsAnErrorNotACrash) {
  auto r = compileRepoModel("models/zero_dce.llie");
  ASSERT_TRUE(r->model.ok());
  auto j = graphToJson(r->model->graph, r->sm);
  SourceManager sm;
  auto bad = j;
  bad["nodes"][10]["op"] = "conv9d";
  EXPECT_NE(graphFromJson(bad, sm).status().message().find("unknown op 'conv9d'"),
            std::string::npos);
  bad = j;
  bad["nodes"][10]["in"] = nlohmann::json::array({999});
  EXPECT_FALSE(graphFromJson(bad, sm).ok());
  bad = j;
  bad["nodes"][10]["attrs"]["stride"] = "two";
  EXPECT_FALSE(graphFromJson(bad, sm).ok());
  bad = j;
  bad.erase("nodes");
  EXPECT_FALSE(graphFromJson(bad, sm).ok());
}

TEST(Specialize, BindsSymbolsAndChecksDivisibility) {
  auto r = compileRepoModel("models/sadfpn_unet.llie");
  ASSERT_TRUE(r->model.ok()) << r->errors;
  auto sg = specializeGraph(r->model->graph, {{"x", {2, 3, 64, 96}}});
  ASSERT_TRUE(sg.ok()) << sg.status().message();
  const Graph& g = *sg;
  EXPECT_EQ(g.type(g.outputs[0].value).shape, cs({2, 3, 64, 96}));
  for (auto& v : g.values)
    EXPECT_TRUE(shapeIsConst(v.type.shape));
  auto bad = specializeGraph(r->model->graph, {{"x", {1, 3, 600, 397}}});
  ASSERT_FALSE(bad.ok());
  std::string text = renderStatus(r->sm, bad.status());
  EXPECT_NE(text.find("is not a multiple of 16"), std::string::npos) << text;
  EXPECT_NE(text.find("sadfpn_unet.llie:9:"), std::string::npos) << text; // the require line
  EXPECT_NE(text.find("pads images to a multiple of 16"), std::string::npos) << text;
  auto wrongC = specializeGraph(r->model->graph, {{"x", {1, 4, 64, 64}}});
  ASSERT_FALSE(wrongC.ok());
  EXPECT_NE(wrongC.status().message().find("the model expects [N, 3, H, W]"), std::string::npos);
}

TEST(Elaborate, IrHoldsDynamicWeightsComplexTensorsAndState) {
  // DASR's per-sample dynamic depthwise conv, UHDFour's FFT amplitude/phase path, an EMA state
  // update and DeiT's drop_path: the IR holds them with shapes, even where kernels come later.
  auto r = compileText("model M(x: [N, 64, H, W], k: [N, 64, 3, 3]) -> (y, z) {\n"
                       "  require W % 2 == 0\n"
                       "  y = conv2d(x, k, pad=[1, 1, 1, 1], per_sample=true) |> drop_path(p=0.1)\n"
                       "  f = rfft2(x)\n"
                       "  z = irfft2(polar(complex_abs(f) * 2.0, complex_angle(f)), size=[H, W])\n"
                       "  state ema: [64] = zeros()\n"
                       "  e = assign(ema, mean(x, axes=[0, 2, 3]))\n"
                       "}\n",
                       {"", true, {}});
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  auto conv = g.nodesOf(OpKind::Conv2d);
  ASSERT_EQ(conv.size(), 1u);
  EXPECT_TRUE(attrsOf<Conv2dAttrs>(g.nodes[conv[0]]).perSample);
  EXPECT_EQ(g.nodesOf(OpKind::Param).size(), 0u); // a dynamic conv owns no parameters
  EXPECT_EQ(g.nodesOf(OpKind::DropPath).size(), 1u);
  auto fft = g.nodesOf(OpKind::Rfft2);
  ASSERT_EQ(fft.size(), 1u);
  const TensorType& spec = g.type(g.nodes[fft[0]].outputs[0]);
  EXPECT_EQ(spec.dtype, DType::C64);
  EXPECT_EQ(shapeToString(spec.shape, g.symbols), "[N, 64, H, W/2+1]");
  EXPECT_EQ(g.type(g.outputs[1].value).dtype, DType::F32);
  EXPECT_EQ(shapeToString(g.type(g.outputs[1].value).shape, g.symbols), "[N, 64, H, W]");
  // The state update survives dead-code elimination although no output reads it.
  EXPECT_EQ(g.nodesOf(OpKind::Assign).size(), 1u);
  EXPECT_GE(g.findParam("ema"), 0);
}

TEST(Elaborate, ZeroDceTrainEntryHasTheFourOfficialLosses) {
  ElaborateOptions eo;
  eo.entry = "ZeroDCETrain";
  auto r = compileRepoModel("models/zero_dce.llie", eo);
  ASSERT_TRUE(r->model.ok()) << r->errors;
  const Graph& g = r->model->graph;
  EXPECT_EQ(g.kind, GraphKind::Training);
  std::vector<std::string> names;
  for (auto& o : g.outputs)
    names.push_back(o.name);
  EXPECT_EQ(names, (std::vector<std::string>{"loss.tv", "loss.spa", "loss.col", "loss.exp"}));
  for (auto& o : g.outputs)
    EXPECT_TRUE(g.type(o.value).shape.empty()) << o.name;
  // The model called from the train entry keeps its checkpoint names.
  EXPECT_GE(g.findParam("e_conv7.weight"), 0);
}
