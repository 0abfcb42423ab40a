// cpu Concat along any axis, as strided copies. In each of the backend's layouts (layout.h) a
// concat is `outer` rows, each the inputs' chunks one after another: plain row-major along axis
// k has outer = the product of the dims before k and a chunk of the dims from k on; channels-last
// (NHWC) along C has a row per pixel and chunks of C_i values; nChw16c along C (every C_i a
// multiple of 16) has a row per sample and chunks of C_i·H·W values. The copies are split into
// pieces of at most 64 KiB, spread over the OpenMP threads. (oneDNN's concat primitive took
// 3x longer on the flagship's nChw16c concats.) Inputs with no elements are skipped. A concat of
// one row (plain along its first non-unit axis, nChw16c of one image: the flagship's decoder at
// batch 1) is its inputs' bytes one after another, so the memory plan places the inputs inside
// the output (concatsInPlace, memory_requests.h) and the kernel copies nothing.
#include "backends/cpu/cpu_kernels.h"
#include "backends/cpu/layout.h"
#include "backends/op_geometry.h"

#include <cstring>

namespace llie::cpu {
namespace {

constexpr int64_t kPieceBytes = 64 << 10;

/// The concat's rows in `layout` (see above): a concat of one row is its inputs' bytes one
/// after another.
int64_t concatRows(const Dims& y, size_t axis, Layout layout) {
  if (layout == Layout::Nhwc) return y[0] * y[2] * y[3];
  if (layout == Layout::Blocked16) return y[0];
  int64_t p = 1;
  for (size_t i = 0; i < axis; ++i)
    p *= y[i];
  return p;
}

class ConcatKernel : public Kernel {
public:
  int64_t outer = 0, rowBytes = 0;
  std::vector<int> used;              // inputs with elements
  std::vector<int64_t> chunk, offset; // bytes of each used input per row, its place in a row
  std::vector<int64_t> firstPiece;    // index of each used input's first piece in a row
  int64_t piecesPerRow = 0;

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    auto* dst = static_cast<uint8_t*>(out[0]->data);
    const int64_t tasks = outer * piecesPerRow;
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t row = t / piecesPerRow, p = t % piecesPerRow;
      size_t i = 0;
      while (i + 1 < used.size() && firstPiece[i + 1] <= p)
        ++i;
      const auto* src = static_cast<const uint8_t*>(in[used[i]]->data);
      // An input the memory plan placed inside the output (one row) is there already.
      if (outer == 1 && src == dst + offset[i]) continue;
      const int64_t begin = (p - firstPiece[i]) * kPieceBytes;
      const int64_t bytes = std::min(kPieceBytes, chunk[i] - begin);
      std::memcpy(dst + row * rowBytes + offset[i] + begin, src + row * chunk[i] + begin,
                  static_cast<size_t>(bytes));
    }
  }
};

Expected<std::unique_ptr<Kernel>> makeConcat(const Graph& g, const Node& n) {
  Expected<int64_t> axis = kernels::concatAxis(g, n);
  if (!axis) return axis.takeStatus();
  Dims y = kernels::outShape(g, n);
  if (numel(y) == 0) return kernels::noopKernel();
  const int64_t elem = static_cast<int64_t>(dtypeSize(g.type(n.outputs[0]).dtype));
  // The inputs and the output share one layout (layout.h); only plain ones concat off axis 1.
  const Layout layout = activationLayouts(g)[n.outputs[0]];
  const size_t ax = static_cast<size_t>(*axis);
  auto k = std::make_unique<ConcatKernel>();
  k->outer = concatRows(y, ax, layout);
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    Dims x = kernels::inShape(g, n, i);
    if (numel(x) == 0) continue;
    const int64_t c = elem * numel(x) / k->outer;
    k->used.push_back(static_cast<int>(i));
    k->offset.push_back(k->rowBytes);
    k->chunk.push_back(c);
    k->firstPiece.push_back(k->piecesPerRow);
    k->rowBytes += c;
    k->piecesPerRow += (c + kPieceBytes - 1) / kPieceBytes;
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerConcat(Registry& r) {
  r.addHost<makeConcat>(OpKind::Concat);
}

std::vector<bool> concatsInPlace(const Graph& g) {
  std::vector<bool> inPlace(g.nodes.size(), false);
  std::vector<Layout> layouts;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op != OpKind::Concat) continue;
    Expected<int64_t> axis = kernels::concatAxis(g, n);
    if (!axis) continue;
    if (layouts.empty()) layouts = activationLayouts(g);
    inPlace[i] =
        concatRows(kernels::outShape(g, n), static_cast<size_t>(*axis), layouts[n.outputs[0]]) == 1;
  }
  return inPlace;
}

} // namespace llie::cpu
