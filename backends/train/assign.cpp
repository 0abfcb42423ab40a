// assign(state, value): writes value, broadcast (NumPy) to the state's shape if need be, into
// the state tensor's own buffer, so the new running statistics / EMA weights / queue contents
// are what the next step reads. The executor gives the assign's output the state's buffer; when
// a caller hands a separate output buffer instead, it receives the same values.
#include "backends/train/train_kernels.h"

#include "backends/host_loops.h"
#include "backends/train/train_loops.h"

namespace llie::train {

Expected<std::unique_ptr<Kernel>> makeAssign(const Graph& g, const Node& n) {
  Dims s = kernels::inShape(g, n, 0), v = kernels::inShape(g, n, 1);
  if (kernels::outShape(g, n) != s) return kernels::badNode(n, "the result differs from the state");
  Broadcast<1> b;
  if (!b.init({v}, s)) return kernels::badNode(n, "the value does not broadcast to the state");
  const bool same = v == s;
  return kernels::makeFnKernel([b, same](const auto& in, const auto& out) {
    float* S = in[0]->f32(); // the state's buffer: written through its (const) input view
    const float* V = in[1]->f32();
    const int64_t count = in[0]->numel();
    if (same) {
      host::parallelCopy(S, V, count);
    } else {
      b.forEachRun([&](int64_t y0, const auto& off, const auto& is, int64_t len) {
        const float* x = V + off[0];
        float* y = S + y0;
        for (int64_t i = 0; i < len; ++i)
          y[i] = x[i * is[0]];
      });
    }
    if (out[0]->data != in[0]->data) host::parallelCopy(out[0]->f32(), S, count);
  });
}

} // namespace llie::train
