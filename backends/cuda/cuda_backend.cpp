// The cuda backend: device memory (cudaMalloc / cudaFree, counted in the context's meter),
// transfers on the context's stream, and kernels from the registry that the family files fill.
// Every tensor it takes has a constant shape and is f32 (but for the comparisons' Bool results,
// where's Bool condition, argmax's I64 indices and the c64 values that slotDtype lists); an op with
// no kernel, or a node its family's check refuses, is an error value naming the op and the backend
// (the executor adds the .llie location). Nothing falls back to a host backend. Library failures
// inside prepare() come back as error values; inside copies and synchronize() they are thrown as
// CudaError, since the interface returns nothing there (release() never throws: it runs in
// destructors).
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/cuda_timer.h"
#include "backends/kernel_util.h"

#include <unordered_map>

namespace llie::cuda {
namespace {

const Registry& registry() {
  static const Registry r = [] {
    Registry x;
    registerElementwise(x);
    registerConv2d(x);
    registerBatchNorm(x);
    registerReduce(x);
    registerMatMul(x);
    registerDataMovement(x);
    registerOptimizers(x);
    registerFused(x);
    registerSeparable(x);
    registerGradMovement(x);
    registerLosses(x);
    registerPool(x);
    registerDropPath(x);
    registerNorms(x);
    registerClassLosses(x);
    registerFft(x);
    registerComplex(x);
    return x;
  }();
  return r;
}

bool isSource(OpKind k) {
  return k == OpKind::Input || k == OpKind::Param || k == OpKind::State || k == OpKind::Constant;
}

bool isComparison(OpKind k) {
  return k == OpKind::Equal || k == OpKind::Less || k == OpKind::LessEqual ||
         k == OpKind::Greater || k == OpKind::GreaterEqual;
}

/// The dtype the cuda kernels take at one input or output: f32, but Bool (one byte per element)
/// for the comparisons' results and where's condition, I64 for argmax's indices, and C64
/// (interleaved float pairs) for the spectra of the FFT family (rfft2's and irfft2_grad's output,
/// irfft2's and rfft2_grad's input) and the complex values of the pointwise complex ops.
DType slotDtype(OpKind op, bool output, size_t i) {
  if (output && isComparison(op)) return DType::Bool;
  if (output && op == OpKind::ArgMax) return DType::I64;
  if (!output && op == OpKind::Where && i == 0) return DType::Bool;
  if (output && (op == OpKind::Rfft2 || op == OpKind::Irfft2Grad)) return DType::C64;
  if (!output && (op == OpKind::Irfft2 || op == OpKind::Rfft2Grad)) return DType::C64;
  // The pointwise complex ops: z and dz are c64, |z|, the angle, A, Φ and their gradients f32.
  if (!output && i == 0 &&
      (op == OpKind::ComplexAbs || op == OpKind::ComplexAngle || op == OpKind::ComplexAbsGrad ||
       op == OpKind::ComplexAngleGrad))
    return DType::C64;
  if (output &&
      (op == OpKind::ComplexAbsGrad || op == OpKind::ComplexAngleGrad || op == OpKind::Polar))
    return DType::C64;
  if (!output && i == 2 && op == OpKind::PolarGrad) return DType::C64;
  return DType::F32;
}

/// Whether input i of `n` may hold int64 class indices: cross_entropy's target, and so
/// class_loss_grad's for cross_entropy (kl_div's teacher is always float logits).
bool classIndexSlot(const Node& n, size_t i) {
  if (i != 1) return false;
  if (n.op == OpKind::CrossEntropy) return true;
  return n.op == OpKind::ClassLossGrad && attrsOf<ClassLossGradAttrs>(n).op == "cross_entropy";
}

/// Whether `n` adds c64 tensors only (elementwise.cpp's complex add).
bool complexAdd(const Graph& g, const Node& n) {
  if (n.op != OpKind::Add) return false;
  for (ValueId v : n.inputs)
    if (g.type(v).dtype != DType::C64) return false;
  return g.type(n.outputs[0]).dtype == DType::C64;
}

/// "" when every input and output of `n` has a constant shape and its slot's dtype; otherwise
/// why not.
std::string tensorRefusal(const Graph& g, const Node& n) {
  auto why = [&](ValueId v, bool output, size_t i) -> std::string {
    const TensorType& t = g.type(v);
    if (!shapeIsConst(t.shape)) return "only constant shapes";
    if (!output && t.dtype == DType::I64 && classIndexSlot(n, i)) return "";
    if (t.dtype == DType::C64 && complexAdd(g, n)) return "";
    DType want = slotDtype(n.op, output, i);
    if (t.dtype != want)
      return std::string(output ? "output " : "input ") + std::to_string(i) + " is " +
             dtypeName(t.dtype) + ", the cuda kernels take " + dtypeName(want);
    return "";
  };
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (auto w = why(n.inputs[i], false, i); !w.empty()) return w;
  for (size_t i = 0; i < n.outputs.size(); ++i)
    if (auto w = why(n.outputs[i], true, i); !w.empty()) return w;
  return "";
}

/// "" when the registry has a kernel for `n` that takes it; otherwise why not.
std::string refusal(const Graph& g, const Node& n) {
  if (std::string why = tensorRefusal(g, n); !why.empty()) return why;
  kernels::Check check = registry().at(n.op).check;
  return check ? check(g, n) : std::string();
}

bool registered(OpKind op) {
  return registry().at(op).make != nullptr;
}

class CudaBackend : public Backend, public DeviceTimed {
public:
  explicit CudaBackend(CudaCtxPtr ctx) : ctx_(std::move(ctx)) {}
  ~CudaBackend() override {
    cudaStreamSynchronize(ctx_->stream);
    for (auto& [p, bytes] : sizes_)
      cudaFree(p); // buffers the caller never released
  }

  const char* name() const override { return "cuda"; }

  bool implements(OpKind op) const override { return isSource(op) || registered(op); }

  bool supports(const Graph& g, const Node& n) const override {
    return isSource(n.op) || checkNode(g, n).isOk();
  }

  Expected<std::unique_ptr<Kernel>> prepare(const Graph& g, const Node& n) override {
    // Sources are filled by the executor (constants included, through copyIn).
    if (isSource(n.op)) return kernels::noopKernel();
    if (Status st = checkNode(g, n); !st.isOk()) return st;
    try {
      return registry().at(n.op).make(g, n, ctx_);
    } catch (const CudaError& e) {
      return Status::error(std::string("preparing '") + opName(n.op) + "' on cuda: " + e.what(),
                           n.span());
    }
  }

  void* allocate(size_t bytes) override {
    size_t rounded = (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
    void* p = nullptr;
    if (cudaMalloc(&p, rounded) != cudaSuccess) {
      cudaGetLastError(); // an allocation failure is not sticky: clear it, report nullptr
      return nullptr;
    }
    sizes_[p] = rounded;
    ctx_->meter.add(rounded);
    return p;
  }

  void release(void* p) override {
    auto it = sizes_.find(p);
    if (it == sizes_.end()) return; // not ours (or nullptr)
    // Kernels still queued on the stream may read the buffer: wait for them first. release()
    // runs in destructors (the executor's), so a failure is not thrown: it can only come from a
    // device already in error, which the next checked call reports.
    cudaStreamSynchronize(ctx_->stream);
    cudaFree(p);
    ctx_->meter.sub(it->second);
    sizes_.erase(it);
  }

  void copyIn(void* dst, const void* hostSrc, size_t bytes) override {
    if (!bytes) return;
    LLIE_CUDA_CHECK(cudaMemcpyAsync(dst, hostSrc, bytes, cudaMemcpyHostToDevice, ctx_->stream));
    LLIE_CUDA_CHECK(cudaStreamSynchronize(ctx_->stream));
  }

  void copyOut(void* hostDst, const void* src, size_t bytes) override {
    if (!bytes) return;
    LLIE_CUDA_CHECK(cudaMemcpyAsync(hostDst, src, bytes, cudaMemcpyDeviceToHost, ctx_->stream));
    LLIE_CUDA_CHECK(cudaStreamSynchronize(ctx_->stream));
  }

  void synchronize() override { LLIE_CUDA_CHECK(cudaStreamSynchronize(ctx_->stream)); }
  void requireDeterminism(bool on) override { ctx_->deterministic = on; }

  /// Profiling times nodes with CUDA events on the stream (cuda_timer.h, device_timer.h).
  std::unique_ptr<DeviceTimer> makeTimer() override { return makeEventTimer(ctx_); }

  /// Kernels' working memory is planned into the executor's arena (Kernel::workspaceBytes), so
  /// it is already in `held`, as are the separable kernels' tap tables (allocated at prepare).
  DeviceMemory memoryUse() const override { return {ctx_->meter.held, ctx_->meter.peak, 0}; }

private:
  CudaCtxPtr ctx_;
  std::unordered_map<void*, size_t> sizes_; ///< allocate()d bytes by pointer
};

} // namespace

Status checkNode(const Graph& g, const Node& n) {
  if (!registered(n.op)) return kernels::unsupported(n, "cuda");
  if (std::string why = refusal(g, n); !why.empty()) return kernels::unsupported(n, "cuda", why);
  return Status::ok();
}

Expected<std::unique_ptr<Backend>> makeCudaBackend() {
  auto ctx = createCudaContext();
  if (!ctx) return ctx.takeStatus();
  return std::unique_ptr<Backend>(std::make_unique<CudaBackend>(std::move(*ctx)));
}

} // namespace llie::cuda
