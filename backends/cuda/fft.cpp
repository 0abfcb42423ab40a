// The cuda FFT family: rfft2, irfft2, rfft2_grad and irfft2_grad over the last two axes, with the
// geometry and column weights the host backends share (fft_geometry.h). Each is built from one
// cuFFT complex-to-complex 2-D transform (cuFFT opened at run time, cufft_api.h; its own work
// area is cuFFT's and is not counted) and element maps (fft.cu) in a complex buffer of
// planes × H × W values in the kernel's workspace:
//   real to complex (rfft2, irfft2_grad): x as complex, forward transform, the first W//2+1
//     columns kept, column l times w_l;
//   complex to real (irfft2, rfft2_grad): the spectrum weighted by w_l and extended to full
//     width by the Hermitian mirror, inverse transform, real part. Its real part is
//     Re Σ c_l·w_l·Z[k,l]·e^{+2πi(km/H + ln/W)}, which is the host's c2r transform (FFTW's), on
//     non-Hermitian spectra too. Complex-to-complex transforms only, because cuFFT's c2r
//     transform neither promises this on non-Hermitian input nor keeps its input intact.
// The weights are copied once to a small device buffer the kernel owns (counted in the meter).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/cufft_api.h"
#include "backends/cuda/fft_kernels.h"
#include "backends/fft_geometry.h"
#include "backends/kernel_util.h"

#include <climits>

namespace llie::cuda {
namespace {

constexpr size_t kAlign = 256;

class FftKernel : public Kernel {
public:
  FftKernel(CudaCtxPtr ctx, const fft::Geometry& geo) : ctx_(std::move(ctx)), geo_(geo) {}
  ~FftKernel() override {
    // A queued run may still use the weights or the plan: wait first (never throws here).
    cudaStreamSynchronize(ctx_->stream);
    if (weights_) {
      cudaFree(weights_);
      ctx_->meter.sub(weightBytes_);
    }
    if (planned_) api_->destroy(plan_);
  }

  Status init(const Node& n) {
    LLIE_ASSIGN_OR_RETURN(api_, cufftApi());
    if (geo_.H > INT_MAX || geo_.W > INT_MAX || geo_.planes > INT_MAX)
      return kernels::unsupported(n, "cuda", "an FFT beyond cuFFT's int sizes");
    if (geo_.planes == 0) return Status::ok();
    int dims[2] = {int(geo_.H), int(geo_.W)};
    cufftResult r =
        api_->planMany(&plan_, 2, dims, nullptr, 1, 0, nullptr, 1, 0, CUFFT_C2C, int(geo_.planes));
    if (r != CUFFT_SUCCESS)
      return Status::error(std::string("cufftPlanMany failed: ") + cufftResultName(r), n.span());
    planned_ = true;
    r = api_->setStream(plan_, ctx_->stream);
    if (r != CUFFT_SUCCESS)
      return Status::error(std::string("cufftSetStream failed: ") + cufftResultName(r), n.span());
    weightBytes_ = sizeof(double) * geo_.weight.size();
    LLIE_CUDA_TRY(cudaMalloc(&weights_, weightBytes_));
    ctx_->meter.add(weightBytes_);
    LLIE_CUDA_TRY(cudaMemcpyAsync(weights_, geo_.weight.data(), weightBytes_,
                                  cudaMemcpyHostToDevice, ctx_->stream));
    LLIE_CUDA_TRY(cudaStreamSynchronize(ctx_->stream));
    return Status::ok();
  }

  size_t workspaceBytes() const override {
    size_t b = sizeof(float) * 2 * size_t(geo_.planes * geo_.H * geo_.W);
    return (b + kAlign - 1) / kAlign * kAlign;
  }
  void setWorkspace(void* p) override { buf_ = static_cast<float*>(p); }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (geo_.planes == 0) return;
    if (!buf_) throw CudaError("FFT kernel run without the workspace it asked for");
    cudaStream_t s = ctx_->stream;
    const int64_t n = geo_.planes * geo_.H * geo_.W;
    auto* c = reinterpret_cast<cufftComplex*>(buf_);
    const auto* w = static_cast<const double*>(weights_);
    const float* x = static_cast<const float*>(in[0]->data);
    float* y = static_cast<float*>(out[0]->data);
    if (geo_.toComplex) {
      LLIE_CUDA_CHECK(dev::realToComplex(s, x, buf_, n));
      exec(c, CUFFT_FORWARD);
      LLIE_CUDA_CHECK(dev::keepColumns(s, buf_, y, w, geo_.planes, geo_.H, geo_.W, geo_.Wh));
    } else {
      LLIE_CUDA_CHECK(dev::hermitianExtend(s, x, buf_, w, geo_.planes, geo_.H, geo_.W, geo_.Wh));
      exec(c, CUFFT_INVERSE);
      LLIE_CUDA_CHECK(dev::realPart(s, buf_, y, n));
    }
  }

private:
  void exec(cufftComplex* c, int direction) {
    cufftResult r = api_->execC2C(plan_, c, c, direction);
    if (r != CUFFT_SUCCESS)
      throw CudaError(std::string("cufftExecC2C failed: ") + cufftResultName(r));
  }

  CudaCtxPtr ctx_;
  fft::Geometry geo_;
  const CufftApi* api_ = nullptr;
  cufftHandle plan_ = 0;
  bool planned_ = false;
  void* weights_ = nullptr;
  size_t weightBytes_ = 0;
  float* buf_ = nullptr;
};

Expected<std::unique_ptr<Kernel>> makeFft(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(fft::Geometry geo, fft::geometryOf(g, n));
  auto k = std::make_unique<FftKernel>(ctx, geo);
  Status st = k->init(n);
  if (!st.isOk()) {
    if (!st.diagnostics()[0].span.valid()) st.diagnostics()[0].span = n.span();
    return st;
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

} // namespace

void registerFft(Registry& r) {
  for (OpKind k : {OpKind::Rfft2, OpKind::Irfft2, OpKind::Rfft2Grad, OpKind::Irfft2Grad})
    r.add(k, makeFft);
}

} // namespace llie::cuda
