// The Backend contract: createBackend by name (unknown and unbuilt names are error values),
// unsupported ops and attribute combinations give an error value naming the op (never a crash),
// source nodes are accepted, and cpu kernels stay correct when reused: weights changed in place
// between runs, new inputs on a prepared kernel, and in-place (aliased) elementwise execution.
#include "backends/host_backend.h"
#include "backends/train/train_kernels.h"
#include "tests/backends/backend_test_util.h"

#include <fstream>

namespace llie::bt {
namespace {

TEST(BackendFactory, CreatesReferenceAndCpu) {
  for (const char* name : {"reference", "cpu"}) {
    auto be = createBackend(name);
    ASSERT_TRUE(be.ok()) << name;
    EXPECT_STREQ((*be)->name(), name);
  }
}

TEST(BackendFactory, UnknownNameListsTheAvailableOnes) {
  auto be = createBackend("tpu");
  ASSERT_FALSE(be.ok());
  std::string msg = be.status().message();
  EXPECT_NE(msg.find("tpu"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reference"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cpu"), std::string::npos) << msg;
}

#ifdef LLIE_HAVE_CUDA
// Built with the cuda backend: it is created where a device is, and otherwise is an error value
// that says why (tests/gpu has the backend's own tests).
TEST(BackendFactory, CudaIsBuilt) {
  auto be = createBackend("cuda");
  if (be.ok()) {
    EXPECT_STREQ((*be)->name(), "cuda");
    return;
  }
  EXPECT_EQ(be.status().message().rfind("no CUDA device: ", 0), 0u) << be.status().message();
}

// cuBLAS is opened only when a cuda backend is made, cuFFT only when a cuda FFT kernel is
// prepared: a process that runs the cpu backend maps neither (linked, cuBLAS alone adds ~210 MB
// to every process's resident memory at start-up).
TEST(BackendFactory, CpuRunsDoNotMapCuBlas) {
  auto cpu = createBackend("cpu");
  ASSERT_TRUE(cpu.ok());
  std::ifstream maps("/proc/self/maps");
  ASSERT_TRUE(maps.good());
  std::string line;
  while (std::getline(maps, line)) {
    EXPECT_EQ(line.find("libcublas"), std::string::npos) << line;
    EXPECT_EQ(line.find("libcufft"), std::string::npos) << line;
  }
}
#else
TEST(BackendFactory, CudaIsNotBuilt) {
  auto be = createBackend("cuda");
  ASSERT_FALSE(be.ok());
  EXPECT_EQ(be.status().message(), "llie was built without CUDA");
}
#endif

// Every op has cpu and reference kernels now, so a host backend over a registry that lacks some
// stands in for a backend that does not implement an op (as the cuda backend will not, for some).
TEST(BackendErrors, UnsupportedOpIsAnErrorValue) {
  static const kernels::Registry<> partial = [] {
    kernels::Registry<> r;
    train::registerTrainKernels(r); // the shared training kernels, but no relu
    return r;
  }();
  HostBackend be("partial", partial);
  EXPECT_FALSE(be.implements(OpKind::Relu));
  EXPECT_TRUE(be.implements(OpKind::Where));
  OneNode o = oneNode(OpKind::Relu, NoAttrs{}, {{2, 3}}, {2, 3});
  EXPECT_FALSE(be.supports(o.g, o.n()));
  auto k = be.prepare(o.g, o.n());
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message(), "op 'relu' is not supported by the partial backend");
}

TEST(BackendErrors, UnsupportedAttributesAreErrorValues) {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  Conv2dAttrs a;
  a.perSample = true;
  a.groups = 3;
  OneNode conv = oneNode(OpKind::Conv2d, a, {{2, 3, 5, 5}, {2, 3, 1, 1}}, {2, 3, 5, 5});
  for (auto* be : {&*cpu, &*ref}) {
    EXPECT_FALSE((*be)->supports(conv.g, conv.n()));
    auto k = (*be)->prepare(conv.g, conv.n());
    ASSERT_FALSE(k.ok());
    EXPECT_NE(k.status().message().find("per-sample"), std::string::npos);
  }
  // Softmax over non-contiguous axes: the reference does it, the cpu backend says no.
  OneNode sm = oneNode(OpKind::Softmax, ReduceAttrs{{0, 2}, false}, {{2, 3, 4}}, {2, 3, 4});
  EXPECT_TRUE((*ref)->supports(sm.g, sm.n()));
  EXPECT_FALSE((*cpu)->supports(sm.g, sm.n()));
  auto k = (*cpu)->prepare(sm.g, sm.n());
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("non-contiguous"), std::string::npos);
  // Non-f32 tensors.
  OneNode i = oneNode(OpKind::Relu, NoAttrs{}, {{4}}, {4});
  i.g.values[i.n().outputs[0]].type.dtype = DType::I32;
  EXPECT_FALSE((*cpu)->supports(i.g, i.n()));
  EXPECT_FALSE((*cpu)->prepare(i.g, i.n()).ok());
}

TEST(BackendErrors, MalformedShapesAreErrorValuesNotCrashes) {
  auto cpu = createBackend("cpu");
  Conv2dAttrs a;
  // 5x5 input, 3x3 kernel, no pad: the output must be 3x3, not 5x5.
  OneNode o = oneNode(OpKind::Conv2d, a, {{1, 1, 5, 5}, {1, 1, 3, 3}}, {1, 1, 5, 5});
  EXPECT_FALSE((*cpu)->prepare(o.g, o.n()).ok());
}

TEST(BackendSources, SourcesAreAcceptedAndConstantsFill) {
  for (const char* name : {"reference", "cpu"}) {
    auto be = createBackend(name);
    Graph g;
    ValueId c = g.add(OpKind::Constant, ConstantAttrs{2.5}, {}, f32({}));
    ValueId in = g.add(OpKind::Input, InputAttrs{"x"}, {}, f32({3}));
    EXPECT_TRUE((*be)->supports(g, g.producer(in)));
    EXPECT_TRUE((*be)->supports(g, g.producer(c)));
    auto y = runNode(**be, g, g.value(c).producer, {});
    ASSERT_TRUE(y.ok());
    EXPECT_EQ(y->f32()[0], 2.5f);
  }
}

/// Runs a prepared conv twice on the same buffers, changing the weights in place in between.
TEST(CpuKernelReuse, ConvSeesWeightsChangedInPlace) {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  Conv2dAttrs a;
  a.pad = {1, 1, 1, 1};
  Dims xs{1, 32, 9, 9}, ws{32, 32, 3, 3}, ys{1, 32, 9, 9};
  OneNode o = oneNode(OpKind::Conv2d, a, {xs, ws, {32}}, ys);
  auto ck = (*cpu)->prepare(o.g, o.n());
  ASSERT_TRUE(ck.ok()) << ck.status().message();
  std::mt19937 rng(3);
  std::vector<HostTensor> in{randomTensor(xs, rng, -1, 1), randomTensor(ws, rng, -1, 1),
                             randomTensor({32}, rng, -1, 1)};
  Buffers cb(**cpu);
  upload(cb, o.g, o.n(), in);
  for (int round = 0; round < 3; ++round) {
    (*ck)->run(cb.inPtrs(), cb.outPtrs());
    auto want = runNode(**ref, o.g, o.node, in);
    ASSERT_TRUE(want.ok());
    EXPECT_TRUE(allClose(download(**cpu, cb.outs[0]), *want)) << "round " << round;
    // New weights and bias, written into the same device buffers.
    in[1] = randomTensor(ws, rng, -1, 1);
    in[2] = randomTensor({32}, rng, -1, 1);
    (*cpu)->copyIn(cb.ins[1].data, in[1].storage.data(), in[1].storage.size());
    (*cpu)->copyIn(cb.ins[2].data, in[2].storage.data(), in[2].storage.size());
  }
}

TEST(CpuKernelReuse, InPlaceElementwise) {
  auto cpu = createBackend("cpu");
  auto ref = createBackend("reference");
  std::mt19937 rng(5);
  Dims s{2, 3, 7, 13};
  // relu and add (with a broadcast second operand) writing over their first input.
  OneNode relu = oneNode(OpKind::Relu, NoAttrs{}, {s}, s);
  OneNode add = oneNode(OpKind::Add, NoAttrs{}, {s, {1, 3, 1, 1}}, s);
  for (OneNode* o : {&relu, &add}) {
    std::vector<HostTensor> in;
    for (ValueId v : o->n().inputs) {
      Dims d;
      for (auto& x : o->g.type(v).shape)
        d.push_back(x.off);
      in.push_back(randomTensor(d, rng, -2, 2));
    }
    auto want = runNode(**ref, o->g, o->node, in);
    ASSERT_TRUE(want.ok());
    auto k = (*cpu)->prepare(o->g, o->n());
    ASSERT_TRUE(k.ok());
    Buffers b(**cpu);
    upload(b, o->g, o->n(), in);
    Tensor alias = b.ins[0]; // output written over input 0
    std::vector<Tensor*> outs{&alias};
    (*k)->run(b.inPtrs(), outs);
    EXPECT_TRUE(allClose(download(**cpu, alias), *want)) << opName(o->n().op);
  }
}

} // namespace
} // namespace llie::bt
