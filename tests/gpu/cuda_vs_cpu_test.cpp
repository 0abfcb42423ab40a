// The consistency harness: every case (see the *_cases files beside this one, one per cuda
// kernel family) builds a one-node graph, fills seeded random inputs, runs the node on the cpu
// and the cuda backends and compares every output (1e-4 absolute plus 1e-4 relative, unless the
// case says otherwise; Bool and I64 outputs exactly, byte for byte). The kernels run twice on new
// data, so cached descriptors, algorithms and workspaces are exercised. Where there is no CUDA
// device a case checks that the cpu backend prepares the node and that the cuda backend's checks
// accept it, then skips with a message.
#include "backends/cuda/cuda_backend.h"
#include "tests/gpu/gpu_test_util.h"

#include <cmath>
#include <limits>

namespace llie::bt {
namespace {

struct Prepared {
  std::unique_ptr<Kernel> kernel;
  void* workspace = nullptr;
};

/// Prepares the node and hands it a workspace of the size it asks for, as the executor does.
Prepared prepareWithWorkspace(Backend& be, const Graph& g, const Node& n) {
  auto k = be.prepare(g, n);
  EXPECT_TRUE(k.ok()) << be.name() << ": " << k.status().message();
  if (!k.ok()) return {};
  Prepared p{std::move(*k)};
  if (size_t bytes = p.kernel->workspaceBytes()) {
    p.workspace = be.allocate(bytes);
    p.kernel->setWorkspace(p.workspace);
  }
  return p;
}

void uploadTyped(Buffers& b, const GpuCase& c, const std::vector<HostTensor>& in) {
  for (const HostTensor& h : in) {
    Tensor t{h.dtype, h.shape, b.be.allocate(h.storage.size())};
    b.be.copyIn(t.data, h.storage.data(), h.storage.size());
    b.ins.push_back(t);
  }
  for (size_t o = 0; o < c.outs.size(); ++o) {
    Tensor t{c.outType(o), c.outs[o], nullptr};
    t.data = b.be.allocate(t.bytes());
    b.outs.push_back(t);
  }
}

/// A c64 tensor as the f32 tensor of its interleaved (real, imaginary) pairs.
HostTensor asFloatPairs(const HostTensor& c) {
  Dims pairs = c.shape;
  pairs.push_back(2);
  HostTensor f(pairs);
  f.storage = c.storage;
  return f;
}

HostTensor downloadTyped(Backend& be, const Tensor& t) {
  HostTensor h(t.shape, t.dtype);
  be.copyOut(h.storage.data(), t.data, h.storage.size());
  return h;
}

TEST_P(CudaMatchesCpu, Agrees) {
  const GpuCase& c = GetParam();
  Graph g;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < c.ins.size(); ++i)
    vs.push_back(g.add(OpKind::Input, InputAttrs{"in" + std::to_string(i)}, {},
                       typed(c.ins[i], c.inType(i))));
  std::vector<TensorType> outTypes;
  for (size_t o = 0; o < c.outs.size(); ++o)
    outTypes.push_back(typed(c.outs[o], c.outType(o)));
  NodeId id = g.addNode(c.op, c.attrs, vs, outTypes);
  const Node& n = g.nodes[id];

  auto cpu = createBackend("cpu");
  ASSERT_TRUE(cpu.ok()) << cpu.status().message();
  ASSERT_TRUE((*cpu)->supports(g, n));
  Prepared pc = prepareWithWorkspace(**cpu, g, n);
  ASSERT_TRUE(pc.kernel);
  Status accepted = cuda::checkNode(g, n);
  ASSERT_TRUE(accepted.isOk()) << accepted.message();
  LLIE_SKIP_WITHOUT_GPU();

  auto gpu = createBackend("cuda");
  ASSERT_TRUE(gpu.ok()) << gpu.status().message();
  ASSERT_TRUE((*gpu)->supports(g, n));
  Prepared pg = prepareWithWorkspace(**gpu, g, n);
  ASSERT_TRUE(pg.kernel);

  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
  for (int round = 0; round < 2; ++round) {
    std::vector<HostTensor> in;
    for (size_t i = 0; i < c.ins.size(); ++i) {
      if (c.inType(i) == DType::Bool) {
        HostTensor t(c.ins[i], DType::Bool);
        for (auto& byte : t.storage)
          byte = static_cast<uint8_t>(rng() & 1);
        in.push_back(std::move(t));
        continue;
      }
      auto [lo, hi] = i < c.ranges.size() ? c.ranges[i] : std::make_pair(c.lo, c.hi);
      if (c.inType(i) == DType::I64) { // integers in [lo, hi)
        HostTensor t(c.ins[i], DType::I64);
        std::uniform_real_distribution<double> u(lo, hi);
        auto* v = reinterpret_cast<int64_t*>(t.storage.data());
        for (int64_t k = 0; k < t.numel(); ++k)
          v[k] = static_cast<int64_t>(std::floor(u(rng)));
        in.push_back(std::move(t));
        continue;
      }
      if (c.inType(i) == DType::C64) { // real and imaginary parts each in [lo, hi]
        Dims pairs = c.ins[i];
        pairs.push_back(2);
        HostTensor f = randomTensor(pairs, rng, lo, hi);
        HostTensor t(c.ins[i], DType::C64);
        t.storage = f.storage;
        in.push_back(std::move(t));
        continue;
      }
      in.push_back(randomTensor(c.ins[i], rng, lo, hi));
      if (i == 0 && c.roundInput0)
        for (int64_t k = 0; k < in.back().numel(); ++k)
          in.back().f32()[k] = std::round(in.back().f32()[k]);
      if (i == 0 && c.nanEvery > 0)
        for (int64_t k = c.nanEvery / 2; k < in.back().numel(); k += c.nanEvery)
          in.back().f32()[k] = std::numeric_limits<float>::quiet_NaN();
    }
    Buffers cb(**cpu), gb(**gpu);
    uploadTyped(cb, c, in);
    uploadTyped(gb, c, in);
    pc.kernel->run(cb.inPtrs(), cb.outPtrs());
    pg.kernel->run(gb.inPtrs(), gb.outPtrs());
    (*cpu)->synchronize();
    (*gpu)->synchronize();
    for (size_t o = 0; o < c.outs.size(); ++o) {
      HostTensor want = downloadTyped(**cpu, cb.outs[o]), got = downloadTyped(**gpu, gb.outs[o]);
      if (c.outType(o) == DType::Bool || c.outType(o) == DType::I64)
        EXPECT_EQ(got.storage, want.storage) << c.name << " output " << o << " round " << round;
      else if (c.outType(o) == DType::C64)
        EXPECT_TRUE(allClose(asFloatPairs(got), asFloatPairs(want), c.atol, c.rtol))
            << c.name << " output " << o << " round " << round;
      else
        EXPECT_TRUE(allClose(got, want, c.atol, c.rtol))
            << c.name << " output " << o << " round " << round;
    }
  }
  if (pc.workspace) (*cpu)->release(pc.workspace);
  if (pg.workspace) (*gpu)->release(pg.workspace);
}

} // namespace
} // namespace llie::bt
