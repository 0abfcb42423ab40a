// The cuda separable family: avg_pool2d, and the gradients pad_grad, resize_grad and
// avg_pool2d_grad. Each is a separable linear map of the last two axes, y = Rh·x·Rwᵀ, or its
// adjoint dx = Rhᵀ·dy·Rw. At prepare time the per-axis taps are built on the host by the code
// the host gradient kernels use (separable_taps.h), bucketed by destination index (CSR: by
// output for average pooling, by input for the adjoints) and copied once into a
// small device buffer the kernel owns (counted in the backend's meter); a run is one race-free
// gather in double (movement.cu: dev::separable), so the adjoints need no atomics and are
// deterministic.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"
#include "backends/separable_taps.h"

#include <cstring>

namespace llie::cuda {
namespace {

using kernels::Dims;

using kernels::AxisTable;

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
  Status upload(const AxisTable& rows, const AxisTable& cols) {
    std::vector<uint64_t> words; // every entry is 8 bytes: int64 indices, double weights
    auto put = [&](const AxisTable& t, size_t at[3]) {
      at[0] = words.size();
      for (int64_t v : t.begin)
        words.push_back(static_cast<uint64_t>(v));
      at[1] = words.size();
      for (int64_t v : t.idx)
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
                                                  const AxisTable& rows, const AxisTable& cols) {
  if (planes * OH * OW == 0) return kernels::noopKernel();
  auto k = std::make_unique<SeparableKernel>(ctx, srcInput, planes, H, W, OH, OW);
  Status st = k->upload(rows, cols);
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
  kernels::PlaneTaps t = kernels::avgPoolTaps(p, incl);
  return separableKernel(n, ctx, 0, p.planes, p.H, p.W, p.OH, p.OW, kernels::byOutput(p.OH, t.rows),
                         kernels::byOutput(p.OW, t.cols));
}

Expected<std::unique_ptr<Kernel>> makeAvgPoolGrad(const Graph& g, const Node& n,
                                                  const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::PoolGeom p, kernels::poolGradGeometry(g, n));
  bool incl = attrsOf<Pool2dAttrs>(n).countIncludePad;
  kernels::PlaneTaps t = kernels::avgPoolTaps(p, incl);
  return separableKernel(n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W, kernels::byInput(p.H, t.rows),
                         kernels::byInput(p.W, t.cols));
}

Expected<std::unique_ptr<Kernel>> makeResizeGrad(const Graph& g, const Node& n,
                                                 const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<ResizeAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::resizeGradGeometry(g, n));
  bool nearest = a.mode == ResizeMode::Nearest;
  return separableKernel(
      n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W,
      kernels::byInput(p.H, kernels::resizeTaps(p.OH, p.H, nearest, a.alignCorners)),
      kernels::byInput(p.W, kernels::resizeTaps(p.OW, p.W, nearest, a.alignCorners)));
}

/// pad_grad(x, dy), with the host kernel's geometry (grad_geometry.h).
Expected<std::unique_ptr<Kernel>> makePadGrad(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<PadAttrs>(n);
  LLIE_ASSIGN_OR_RETURN(kernels::PlaneGeom p, kernels::padGradGeometry(g, n));
  return separableKernel(n, ctx, 1, p.planes, p.OH, p.OW, p.H, p.W,
                         kernels::byInput(p.H, kernels::padTaps(p.OH, a.pads[0], p.H, a.mode)),
                         kernels::byInput(p.W, kernels::padTaps(p.OW, a.pads[2], p.W, a.mode)));
}

} // namespace

void registerSeparable(Registry& r) {
  r.add(OpKind::AvgPool2d, makeAvgPool);
  r.add(OpKind::AvgPool2dGrad, makeAvgPoolGrad);
  r.add(OpKind::ResizeGrad, makeResizeGrad);
  r.add(OpKind::PadGrad, makePadGrad);
}

} // namespace llie::cuda
