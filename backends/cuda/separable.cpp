// The cuda separable family: avg_pool2d, and the gradients pad_grad, resize_grad and
// avg_pool2d_grad. Each is a separable linear map of the last two axes, y = Rh·x·Rwᵀ, or its
// adjoint dx = Rhᵀ·dy·Rw. At prepare time the per-axis taps are built on the host with the
// helpers the host backends use (host::padTable, kernels::nearestSrc / linearTap, the pooling
// windows of reference/pool.cpp), bucketed by destination index (CSR) and copied once into a
// small device buffer the kernel owns (counted in the backend's meter); a run is one race-free
// gather in double (movement.cu: dev::separable), so the adjoints need no atomics and are
// deterministic.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"
#include "backends/host_data_movement.h"

#include <algorithm>
#include <cstring>

namespace llie::cuda {
namespace {

using kernels::Dims;

/// Destination index `dst` reads source index `src` with weight `w`.
struct Tap {
  int64_t dst, src;
  double w;
};

/// One axis, CSR by destination index, in tap order within a destination.
struct HostTable {
  std::vector<int64_t> begin, src;
  std::vector<double> w;
};

HostTable bucket(int64_t nDst, const std::vector<Tap>& taps) {
  HostTable t;
  t.begin.assign(nDst + 1, 0);
  for (const Tap& x : taps)
    ++t.begin[x.dst + 1];
  for (int64_t i = 0; i < nDst; ++i)
    t.begin[i + 1] += t.begin[i];
  t.src.resize(taps.size());
  t.w.resize(taps.size());
  std::vector<int64_t> fill(t.begin.begin(), t.begin.end() - 1);
  for (const Tap& x : taps) {
    int64_t k = fill[x.dst]++;
    t.src[k] = x.src;
    t.w[k] = x.w;
  }
  return t;
}

/// The adjoint's taps: each forward tap read backwards.
std::vector<Tap> transposed(std::vector<Tap> taps) {
  for (Tap& t : taps)
    std::swap(t.dst, t.src);
  return taps;
}

std::vector<Tap> padTaps(int64_t out, int64_t before, int64_t size, PadMode mode) {
  std::vector<int64_t> t = host::padTable(out, before, size, mode);
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o)
    if (t[o] >= 0) taps.push_back({o, t[o], 1.0});
  return taps;
}

std::vector<Tap> resizeTaps(int64_t out, int64_t in, bool nearest, bool alignCorners) {
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o) {
    if (nearest) {
      taps.push_back({o, kernels::nearestSrc(o, in, out), 1.0});
    } else {
      kernels::LinearTap t = kernels::linearTap(o, in, out, alignCorners);
      taps.push_back({o, t.i0, 1 - t.w1});
      taps.push_back({o, t.i1, t.w1});
    }
  }
  return taps;
}

/// Average pooling along one axis (reference/pool.cpp's windows): output o reads its in-image
/// window [s, e) with weight 1/div, div = the window clipped to the padded input
/// (count_include_pad) or its in-image part; the 2-D divisor is the product of the two axes'.
std::vector<Tap> avgPoolTaps(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t padL,
                             int64_t padR, bool includePad) {
  std::vector<Tap> taps;
  for (int64_t o = 0; o < out; ++o) {
    int64_t lo = o * stride - padL, hi = std::min(lo + k, in + padR);
    int64_t s = std::max<int64_t>(lo, 0), e = std::min(hi, in);
    int64_t div = includePad ? hi - lo : e - s;
    for (int64_t i = s; i < e; ++i)
      taps.push_back({o, i, 1.0 / static_cast<double>(div)});
  }
  return taps;
}

class SeparableKernel : public Kernel {
public:
  SeparableKernel(CudaCtxPtr ctx, int srcInput, int64_t planes, int64_t H, int64_t W, int64_t OH,
                  int64_t OW)
      : ctx_(std::move(ctx)), srcInput_(srcInput), planes_(planes), H_(H), W_(W), OH_(OH), OW_(OW) {
  }
  ~SeparableKernel() override {
    if (blob_) {
      cudaStreamSynchronize(ctx_->stream); // a queued run may still read the tables
      cudaFree(blob_);
      ctx_->meter.sub(bytes_);
    }
  }

  /// Copies the two tables to the device (rows: OH destinations, cols: OW).
  Status upload(const HostTable& rows, const HostTable& cols) {
    std::vector<uint64_t> words; // every entry is 8 bytes: int64 indices, double weights
    auto put = [&](const HostTable& t, size_t at[3]) {
      at[0] = words.size();
      for (int64_t v : t.begin)
        words.push_back(static_cast<uint64_t>(v));
      at[1] = words.size();
      for (int64_t v : t.src)
        words.push_back(static_cast<uint64_t>(v));
      at[2] = words.size();
      for (double v : t.w) {
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        words.push_back(bits);
      }
    };
    size_t r[3], c[3];
    put(rows, r);
    put(cols, c);
    bytes_ = words.size() * sizeof(uint64_t);
    LLIE_CUDA_TRY(cudaMalloc(&blob_, bytes_));
    ctx_->meter.add(bytes_);
    LLIE_CUDA_TRY(
        cudaMemcpyAsync(blob_, words.data(), bytes_, cudaMemcpyHostToDevice, ctx_->stream));
    LLIE_CUDA_TRY(cudaStreamSynchronize(ctx_->stream));
    const uint64_t* base = static_cast<const uint64_t*>(blob_);
    auto table = [&](size_t at[3]) {
      return dev::AxisTable{reinterpret_cast<const int64_t*>(base + at[0]),
                            reinterpret_cast<const int64_t*>(base + at[1]),
                            reinterpret_cast<const double*>(base + at[2])};
    };
    rows_ = table(r);
    cols_ = table(c);
    return Status::ok();
  }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    LLIE_CUDA_CHECK(dev::separable(ctx_->stream, in[srcInput_]->f32(), out[0]->f32(), planes_, H_,
                                   W_, OH_, OW_, rows_, cols_));
  }

private:
  CudaCtxPtr ctx_;
  int srcInput_;
  int64_t planes_, H_, W_, OH_, OW_; ///< source planes H x W, destination OH x OW
  void* blob_ = nullptr;
  size_t bytes_ = 0;
  dev::AxisTable rows_, cols_;
};

/// A separable kernel reading input `srcInput` (planes of H x W) into the output (OH x OW).
Expected<std::unique_ptr<Kernel>> separableKernel(const Node& n, const CudaCtxPtr& ctx,
                                                  int srcInput, int64_t planes, int64_t H,
                                                  int64_t W, int64_t OH, int64_t OW,
                                                  const std::vector<Tap>& rows,
                                                  const std::vector<Tap>& cols) {
  if (planes * OH * OW == 0) return kernels::noopKernel();
  auto k = std::make_unique<SeparableKernel>(ctx, srcInput, planes, H, W, OH, OW);
  Status st = k->upload(bucket(OH, rows), bucket(OW, cols));
  if (!st.isOk()) {
    st.diagnostics()[0].span = n.span();
    return st;
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

Expected<std::unique_ptr<Kernel>> makeAvgPool(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::PoolGeom p, kernels::poolGeometry(g, n));
  bool incl = attrsOf<Pool2dAttrs>(n).countIncludePad;
  return separableKernel(n, ctx, 0, p.planes, p.H, p.W, p.OH, p.OW,
                         avgPoolTaps(p.OH, p.H, p.kh, p.sh, p.pt, p.pb, incl),
                         avgPoolTaps(p.OW, p.W, p.kw, p.sw, p.pl, p.pr, incl));
}

Expected<std::unique_ptr<Kernel>> makeAvgPoolGrad(const Graph& g, const Node& n,
                                                  const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::PoolGeom p, kernels::poolGradGeometry(g, n));
  bool incl = attrsOf<Pool2dAttrs>(n).countIncludePad;
  return separableKernel(n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W,
                         transposed(avgPoolTaps(p.OH, p.H, p.kh, p.sh, p.pt, p.pb, incl)),
                         transposed(avgPoolTaps(p.OW, p.W, p.kw, p.sw, p.pl, p.pr, incl)));
}

Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n,
                                                 const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::resizeGradGeometry(g, n));
  bool nearest = a.mode == ResizeMode::Nearest;
  return separableKernel(n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W,
                         transposed(resizeTaps(p.OH, p.H, nearest, a.alignCorners)),
                         transposed(resizeTaps(p.OW, p.W, nearest, a.alignCorners)));
}

/// pad_grad(x, dy), with the host kernel's geometry (grad_geometry.h).
Expected<std::unique_ptr<Kernel>> makePadGrad(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGradGeometry(g, n));
  return separableKernel(n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W,
                         transposed(padTaps(p.OH, a.pads[0], p.H, a.mode)),
                         transposed(padTaps(p.OW, a.pads[2], p.W, a.mode)));
}

} // namespace

void registerSeparable(Registry& r) {
  r.add(OpKind::AvgPool2d, makeAvgPool);
  r.add(OpKind::AvgPool2dGrad, makeAvgPoolGrad);
  r.add(OpKind::ResizeGrad, makeResizeGrad);
  r.add(OpKind::PadGrad, makePadGrad);
}

} // namespace llie::cuda
