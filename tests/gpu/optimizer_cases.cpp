// cuda-vs-cpu cases for the optimizer updates: sgd_update with and without momentum, dampening,
// weight decay and Nesterov, on the first step (the momentum buffer initialised) and a later
// one; adam_update as Adam (coupled weight decay or none) and AdamW, on the first and a later
// step. lr and step are device scalars; step holds a whole number, v is non-negative.
#include "tests/gpu/gpu_test_util.h"

namespace llie::bt {
namespace {

std::vector<GpuCase> optimizerCases() {
  Dims s{3, 5, 7};
  std::vector<GpuCase> r;
  struct Sgd {
    const char* name;
    SgdAttrs a;
  };
  for (auto [name, a] :
       {Sgd{"plain", SgdAttrs{0, 0, 0, false}}, Sgd{"decay", SgdAttrs{0, 0, 0.01, false}},
        Sgd{"momentum", SgdAttrs{0.9, 0, 0, false}},
        Sgd{"momentum_dampening_decay", SgdAttrs{0.9, 0.1, 1e-3, false}},
        Sgd{"nesterov", SgdAttrs{0.8, 0, 0.02, true}}})
    for (float step : {0.f, 3.f}) {
      GpuCase c{std::string("sgd_") + name + "_step" + std::to_string(int(step)),
                OpKind::SgdUpdate,
                a,
                {s, s, s, {}, {}},
                {s, s}};
      c.ranges = {{-1.f, 1.f}, {-1.f, 1.f}, {-1.f, 1.f}, {1e-3f, 0.1f}, {step, step}};
      r.push_back(std::move(c));
    }
  struct Adam {
    const char* name;
    AdamAttrs a;
  };
  for (auto [name, a] : {Adam{"adam", AdamAttrs{0.9, 0.999, 1e-8, 0, false}},
                         Adam{"adam_decay", AdamAttrs{0.9, 0.999, 1e-8, 0.01, false}},
                         Adam{"adamw", AdamAttrs{0.9, 0.999, 1e-8, 0.01, true}},
                         Adam{"adamw_loose", AdamAttrs{0.8, 0.99, 1e-6, 0.1, true}}})
    for (float step : {0.f, 4.f}) {
      GpuCase c{std::string(name) + "_step" + std::to_string(int(step)),
                OpKind::AdamUpdate,
                a,
                {s, s, s, s, {}, {}},
                {s, s, s}};
      c.ranges = {{-1.f, 1.f},  {-1.f, 1.f},   {-0.1f, 0.1f},
                  {0.f, 0.01f}, {1e-3f, 0.1f}, {step, step}};
      r.push_back(std::move(c));
    }
  return r;
}

} // namespace

INSTANTIATE_TEST_SUITE_P(CudaOptimizers, CudaMatchesCpu, ::testing::ValuesIn(optimizerCases()),
                         gpuCaseName);

} // namespace llie::bt
