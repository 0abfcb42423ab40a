// The table-driven check of the cpu backend against the reference oracle: every Case (see the
// *_cases_test.cpp files, one per kernel family) builds a one-node graph, fills seeded random
// inputs, runs the node on both backends and compares within 1e-4 (absolute, plus 1e-4
// relative for large magnitudes). The kernel is also run a second time on new data, so cached
// primitives and buffers are exercised.
#include "tests/backends/backend_test_util.h"

namespace llie::bt {

TEST_P(CpuMatchesReference, Agrees) {
  const Case& c = GetParam();
  OneNode o = oneNode(c.op, c.attrs, c.ins, c.out);
  auto ref = createBackend("reference");
  auto cpu = createBackend("cpu");
  ASSERT_TRUE(ref.ok() && cpu.ok());
  ASSERT_TRUE((*ref)->supports(o.g, o.n()));
  ASSERT_TRUE((*cpu)->supports(o.g, o.n()));

  auto rk = (*ref)->prepare(o.g, o.n());
  ASSERT_TRUE(rk.ok()) << rk.status().message();
  auto ck = (*cpu)->prepare(o.g, o.n());
  ASSERT_TRUE(ck.ok()) << ck.status().message();

  std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(c.name)));
  for (int round = 0; round < 2; ++round) {
    std::vector<HostTensor> in;
    for (size_t i = 0; i < c.ins.size(); ++i) {
      auto [lo, hi] = i < c.ranges.size() ? c.ranges[i] : std::make_pair(c.lo, c.hi);
      in.push_back(randomTensor(c.ins[i], rng, lo, hi));
    }
    Buffers rb(**ref), cb(**cpu);
    upload(rb, o.g, o.n(), in);
    upload(cb, o.g, o.n(), in);
    (*rk)->run(rb.inPtrs(), rb.outPtrs());
    (*ck)->run(cb.inPtrs(), cb.outPtrs());
    (*cpu)->synchronize();
    HostTensor want = download(**ref, rb.outs[0]), got = download(**cpu, cb.outs[0]);
    EXPECT_TRUE(allClose(got, want)) << c.name << " round " << round;
  }
}

} // namespace llie::bt
