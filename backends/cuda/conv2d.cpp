// The cuda convolution family on cuDNN (NCHW, fp32): conv2d (a fused residual summed by cuDNN
// itself, beta = 1 over y holding it; bias and the fused epilogue applied after the convolution;
// a fused depthwise stage run as a second convolution from the first's output in the workspace),
// conv2d_grad_input (backward data), conv2d_grad_weight (backward filter) and conv_transpose2d
// (backward data of the convolution whose gradient it is: its x in dy's place, its output in dx's,
// output padding as the extra rows and columns of that convolution's input, then the bias).
// Geometry is read by the shared helpers (op_geometry.h, grad_geometry.h): stride, dilation and
// groups map onto the convolution descriptor; symmetric padding too, while asymmetric padding {top,
// bottom, left, right} is made explicit: x is zero-padded into the kernel's workspace (and a padded
// dx cropped back), with cuDNN padding 0. The algorithm is chosen once per shape at prepare time
// from cuDNN's candidates ranked by measured time (cudnnFind*: each algorithm run once on trial
// buffers cuDNN allocates; its heuristics, cudnn*Algorithm_v7, where that fails), as PyTorch's
// cudnn.benchmark does, taking the first that runs in plain fp32 FMA math
// (no TF32 tensor ops), needs at most kMaxAlgoWorkspace bytes and is not one whose rounding
// strays from the direct sum (imprecise), else the first that is imprecise; under
// Backend::requireDeterminism only deterministic ones, ranked by the heuristics alone (the same
// choice in every process), and a conv with none is an error. Allowing
// the atomic (non-deterministic) gradients takes the flagship's training step at batch 16 on an
// H200 from 209 to 150 ms; the choice is
// cached in the context. Its workspace is part of Kernel::workspaceBytes, planned by the executor
// into its arena.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/cudnn_desc.h"
#include "backends/cuda/device_kernels.h"
#include "backends/grad_geometry.h"

#include <vector>

namespace llie::cuda {
namespace {

using kernels::ConvGeom;

constexpr size_t kMaxAlgoWorkspace = size_t(512) << 20;
constexpr size_t kAlign = 256;

size_t alignUp(size_t b) {
  return (b + kAlign - 1) / kAlign * kAlign;
}

/// Transpose: conv_transpose2d, cuDNN's backward data with the node's inputs (x, w, bias).
enum class Dir { Forward, GradInput, GradWeight, Transpose };

const char* dirName(Dir d) {
  return d == Dir::Forward ? "forward" : d == Dir::GradWeight ? "backward filter" : "backward data";
}

bool tensorOpMath(cudnnMathType_t m) {
  return m == CUDNN_TENSOR_OP_MATH || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

/// cuDNN's algorithms whose fp32 rounding strays from the direct sum by more than the 1e-4 the
/// backends agree to: the non-fused Winograd weight gradient (5e-4 on an H200, 64 <- 32 channels,
/// 3x3, 2x16x16).
bool imprecise(cudnnConvolutionFwdAlgo_t) {
  return false;
}
bool imprecise(cudnnConvolutionBwdDataAlgo_t) {
  return false;
}
bool imprecise(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

/// cuDNN's candidates for one direction into `perf`, fastest first: measured by `find`, or ranked
/// by the heuristics of `guess` where measuring fails (no memory for its trial buffers) or must
/// not be used (`measure` false: under requireDeterminism, since timings can rank two equally
/// fast algorithms differently from one process to the next, and two deterministic algorithms
/// still round differently).
template <class Perf, class Find, class Guess, class... Args>
Status ranked(bool measure, Find find, Guess guess, std::vector<Perf>& perf, int& got,
              Args... args) {
  if (measure && find(args..., int(perf.size()), &got, perf.data()) == CUDNN_STATUS_SUCCESS)
    return Status::ok();
  (void)cudaGetLastError();
  LLIE_CUDA_TRY(guess(args..., int(perf.size()), &got, perf.data()));
  return Status::ok();
}

/// Why cuDNN's legacy convolution API cannot take this geometry ("" when it can).
std::string geometryRefusal(const ConvGeom& c) {
  if (c.pt < 0 || c.pb < 0 || c.pl < 0 || c.pr < 0) return "negative padding";
  if (c.sh < 1 || c.sw < 1 || c.dh < 1 || c.dw < 1) return "stride and dilation must be >= 1";
  int64_t padded = c.N * c.C * (c.H + c.pt + c.pb) * (c.W + c.pl + c.pr);
  if (!fitsInt({c.N, c.C, c.H + c.pt + c.pb, c.W + c.pl + c.pr, c.O, c.KH, c.KW, c.OH, c.OW, c.G,
                padded, c.N * c.O * c.OH * c.OW}))
    return "a tensor beyond cuDNN's 2^31 elements";
  return "";
}

std::string checkConv(const Graph& g, const Node& n) {
  if (attrsOf<Conv2dAttrs>(n).perSample) return "per-sample weights";
  auto geom = kernels::convGeometry(g, n);
  return geom ? geometryRefusal(*geom) : std::string();
}

/// conv_transpose2d as the convolution whose backward data it is: that convolution's input is
/// the transpose's output (C = O channels, OH x OW), its output the transpose's x.
ConvGeom transposedConv(const kernels::ConvTGeom& t) {
  ConvGeom c{};
  c.N = t.N, c.C = t.O, c.H = t.OH, c.W = t.OW, c.O = t.C, c.Cg = t.Og, c.KH = t.KH, c.KW = t.KW;
  c.OH = t.H, c.OW = t.W, c.G = t.G, c.sh = t.sh, c.sw = t.sw, c.pt = t.pt, c.pb = t.pb;
  c.pl = t.pl, c.pr = t.pr, c.dh = t.dh, c.dw = t.dw, c.hasBias = t.hasBias;
  return c;
}

/// Why cuDNN cannot run this transposed convolution ("" when it can). Output padding must stay
/// below the stride: the extra rows then fall inside the last window's stride step, so the
/// convolution of the (padded) output has exactly x's size.
std::string transposeRefusal(const kernels::ConvTGeom& t) {
  if (t.oph >= t.sh || t.opw >= t.sw) return "output padding not smaller than the stride";
  return geometryRefusal(transposedConv(t));
}

std::string checkTranspose(const Graph& g, const Node& n) {
  auto geom = kernels::convTransposeGeometry(g, n);
  return geom ? transposeRefusal(*geom) : std::string();
}

std::string checkGrad(const Graph& g, const Node& n) {
  if (std::string why = kernels::checkConvGrad(g, n); !why.empty()) return why;
  auto geom = kernels::convGradGeometry(g, n);
  return geom ? geometryRefusal(*geom) : std::string();
}

/// The unary op that applies a fused epilogue in place (false: none).
bool epilogueOp(Epilogue e, dev::UnaryOp& op) {
  switch (e) {
  case Epilogue::None:
    return false;
  case Epilogue::Relu:
    op = dev::UnaryOp::Relu;
    return true;
  case Epilogue::Relu6:
    op = dev::UnaryOp::Relu6;
    return true;
  case Epilogue::Sigmoid:
    op = dev::UnaryOp::Sigmoid;
    return true;
  case Epilogue::Tanh:
    op = dev::UnaryOp::Tanh;
    return true;
  case Epilogue::LeakyRelu:
    op = dev::UnaryOp::LeakyRelu;
    return true;
  }
  return false;
}

class CudnnConv : public Kernel {
public:
  CudnnConv(CudaCtxPtr ctx, Dir dir, const ConvGeom& c) : ctx_(std::move(ctx)), dir_(dir), c_(c) {}

  /// Descriptors, the algorithm and the workspace size; an error value naming the failing call.
  Status init(Epilogue epi, double epiAlpha) {
    explicitPad_ = c_.pt != c_.pb || c_.pl != c_.pr;
    hasEpilogue_ = epilogueOp(epi, epiOp_);
    epiAlpha_ = epiAlpha;
    PH_ = explicitPad_ ? c_.pt + c_.H + c_.pb : c_.H;
    PW_ = explicitPad_ ? c_.pl + c_.W + c_.pr : c_.W;
    padBytes_ = explicitPad_ ? alignUp(sizeof(float) * c_.N * c_.C * PH_ * PW_) : 0;

    if (Status st = setNchw(x_, c_.N, c_.C, PH_, PW_); !st.isOk()) return st;
    if (Status st = setNchw(y_, c_.N, c_.O, c_.OH, c_.OW); !st.isOk()) return st;
    // The bias is per output channel: the convolution's O, or the transpose's (its input's) C.
    const int64_t biasC = dir_ == Dir::Transpose ? c_.C : c_.O;
    if (c_.hasBias)
      if (Status st = setNchw(bias_, 1, biasC, 1, 1); !st.isOk()) return st;
    if (dir_ == Dir::Transpose && c_.hasBias)
      if (Status st = setNchw(out_, c_.N, c_.C, c_.H, c_.W); !st.isOk()) return st;
    if (Status st = w_.create(); !st.isOk()) return st;
    LLIE_CUDA_TRY(cudnnSetFilter4dDescriptor(w_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                             int(c_.O), int(c_.Cg), int(c_.KH), int(c_.KW)));
    if (Status st = conv_.create(); !st.isOk()) return st;
    int ph = explicitPad_ ? 0 : int(c_.pt), pw = explicitPad_ ? 0 : int(c_.pl);
    LLIE_CUDA_TRY(cudnnSetConvolution2dDescriptor(conv_.get(), ph, pw, int(c_.sh), int(c_.sw),
                                                  int(c_.dh), int(c_.dw), CUDNN_CROSS_CORRELATION,
                                                  CUDNN_DATA_FLOAT));
    LLIE_CUDA_TRY(cudnnSetConvolutionGroupCount(conv_.get(), int(c_.G)));
    LLIE_CUDA_TRY(cudnnSetConvolutionMathType(conv_.get(), CUDNN_FMA_MATH));
    int n = 0, o = 0, oh = 0, ow = 0;
    LLIE_CUDA_TRY(
        cudnnGetConvolution2dForwardOutputDim(conv_.get(), x_.get(), w_.get(), &n, &o, &oh, &ow));
    if (n != c_.N || o != c_.O || oh != c_.OH || ow != c_.OW)
      return Status::error("cuDNN's convolution output " + std::to_string(n) + "x" +
                           std::to_string(o) + "x" + std::to_string(oh) + "x" + std::to_string(ow) +
                           " disagrees with the node's");
    return chooseAlgorithm();
  }

  size_t workspaceBytes() const override { return padBytes_ + alignUp(algoBytes_); }
  void setWorkspace(void* p) override { ws_ = static_cast<uint8_t*>(p); }

  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (workspaceBytes() > 0 && !ws_)
      throw CudaError("conv2d kernel run without the workspace it asked for");
    cudaStream_t s = ctx_->stream;
    cudnnHandle_t h = ctx_->cudnn;
    const float one = 1.f, zero = 0.f;
    float* padded = explicitPad_ ? reinterpret_cast<float*>(ws_) : nullptr;
    void* algoWs = algoBytes_ ? ws_ + padBytes_ : nullptr;
    const int64_t planes = c_.N * c_.C;
    switch (dir_) {
    case Dir::Forward: {
      const float* x = in[0]->f32();
      if (explicitPad_) {
        LLIE_CUDA_CHECK(
            dev::padPlanes(s, x, padded, planes, c_.H, c_.W, c_.pt, c_.pb, c_.pl, c_.pr));
        x = padded;
      }
      float* y = out[0]->f32();
      // A fused residual: y holds it (copied in unless the plan put y in its bytes), and cuDNN
      // adds the convolution to it (beta = 1); bias and epilogue follow, as on the host.
      if (c_.residual && in.back()->data != out[0]->data)
        LLIE_CUDA_CHECK(cudaMemcpyAsync(y, in.back()->data, out[0]->numel() * sizeof(float),
                                        cudaMemcpyDeviceToDevice, s));
      LLIE_CUDA_CHECK(cudnnConvolutionForward(h, &one, x_.get(), x, w_.get(), in[1]->f32(),
                                              conv_.get(),
                                              static_cast<cudnnConvolutionFwdAlgo_t>(algo_), algoWs,
                                              algoBytes_, c_.residual ? &one : &zero, y_.get(), y));
      // Bias and epilogue in one pass over y.
      if (c_.hasBias || hasEpilogue_)
        LLIE_CUDA_CHECK(dev::biasActivate(s, y, c_.hasBias ? in[2]->f32() : nullptr, c_.O,
                                          c_.OH * c_.OW, out[0]->numel(), hasEpilogue_, epiOp_,
                                          epiAlpha_));
      break;
    }
    case Dir::GradInput:
    case Dir::Transpose: {
      // conv2d_grad_input(x, w, dy) reads dy third; conv_transpose2d(x, w, bias) has x first.
      const float* dy = dir_ == Dir::Transpose ? in[0]->f32() : in[2]->f32();
      float* dx = explicitPad_ ? padded : out[0]->f32();
      LLIE_CUDA_CHECK(
          cudnnConvolutionBackwardData(h, &one, w_.get(), in[1]->f32(), y_.get(), dy, conv_.get(),
                                       static_cast<cudnnConvolutionBwdDataAlgo_t>(algo_), algoWs,
                                       algoBytes_, &zero, x_.get(), dx));
      if (explicitPad_)
        LLIE_CUDA_CHECK(dev::cropPlanes(s, padded, out[0]->f32(), planes, c_.H, c_.W, c_.pt, c_.pb,
                                        c_.pl, c_.pr));
      if (dir_ == Dir::Transpose && c_.hasBias)
        LLIE_CUDA_CHECK(
            cudnnAddTensor(h, &one, bias_.get(), in[2]->f32(), &one, out_.get(), out[0]->f32()));
      break;
    }
    case Dir::GradWeight: {
      const float* x = in[0]->f32();
      if (explicitPad_) {
        LLIE_CUDA_CHECK(
            dev::padPlanes(s, x, padded, planes, c_.H, c_.W, c_.pt, c_.pb, c_.pl, c_.pr));
        x = padded;
      }
      LLIE_CUDA_CHECK(
          cudnnConvolutionBackwardFilter(h, &one, x_.get(), x, y_.get(), in[2]->f32(), conv_.get(),
                                         static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo_),
                                         algoWs, algoBytes_, &zero, w_.get(), out[0]->f32()));
      break;
    }
    }
  }

private:
  std::string cacheKey() const {
    // The transpose runs backward data: it shares the gradient's choices.
    Dir d = dir_ == Dir::Transpose ? Dir::GradInput : dir_;
    std::string k = std::to_string(static_cast<int>(d)) + (ctx_->deterministic ? "d" : "");
    for (int64_t v : {c_.N, c_.C, PH_, PW_, c_.O, c_.Cg, c_.KH, c_.KW, c_.OH, c_.OW, c_.G, c_.sh,
                      c_.sw, explicitPad_ ? 0 : c_.pt, explicitPad_ ? 0 : c_.pl, c_.dh, c_.dw})
      k += "," + std::to_string(v);
    return k;
  }

  /// Whether cuDNN will run `algo` here, and with how much workspace (false: it will not).
  bool workspaceFor(int algo, size_t& bytes) const {
    cudnnHandle_t h = ctx_->cudnn;
    cudnnStatus_t st = CUDNN_STATUS_NOT_SUPPORTED;
    switch (dir_) {
    case Dir::Forward:
      st = cudnnGetConvolutionForwardWorkspaceSize(h, x_.get(), w_.get(), conv_.get(), y_.get(),
                                                   static_cast<cudnnConvolutionFwdAlgo_t>(algo),
                                                   &bytes);
      break;
    case Dir::GradInput:
    case Dir::Transpose:
      st = cudnnGetConvolutionBackwardDataWorkspaceSize(
          h, w_.get(), y_.get(), conv_.get(), x_.get(),
          static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), &bytes);
      break;
    case Dir::GradWeight:
      st = cudnnGetConvolutionBackwardFilterWorkspaceSize(
          h, x_.get(), y_.get(), conv_.get(), w_.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), &bytes);
      break;
    }
    return st == CUDNN_STATUS_SUCCESS && bytes <= kMaxAlgoWorkspace;
  }

  /// The first acceptable algorithm among cuDNN's ranked candidates for this direction, in two
  /// rounds, the second asking less: precise, then any; under requireDeterminism both rounds
  /// take deterministic algorithms only (see the top).
  template <class Perf> bool pick(const Perf* perf, int count) {
    for (int round = 0; round < 2; ++round)
      for (int i = 0; i < count; ++i) {
        const Perf& p = perf[i];
        if (p.status != CUDNN_STATUS_SUCCESS || tensorOpMath(p.mathType)) continue;
        if (round == 0 && imprecise(p.algo)) continue;
        if (ctx_->deterministic && p.determinism != CUDNN_DETERMINISTIC) continue;
        size_t bytes = 0;
        if (!workspaceFor(static_cast<int>(p.algo), bytes)) continue;
        algo_ = static_cast<int>(p.algo);
        algoBytes_ = bytes;
        return true;
      }
    return false;
  }

  Status chooseAlgorithm() {
    std::string key = cacheKey();
    if (auto it = ctx_->convAlgos.find(key); it != ctx_->convAlgos.end()) {
      algo_ = it->second.first;
      algoBytes_ = it->second.second;
      return Status::ok();
    }
    cudnnHandle_t h = ctx_->cudnn;
    int got = 0;
    bool found = false;
    switch (dir_) {
    case Dir::Forward: {
      std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(CUDNN_CONVOLUTION_FWD_ALGO_COUNT);
      if (Status st = ranked(!ctx_->deterministic, cudnnFindConvolutionForwardAlgorithm,
                             cudnnGetConvolutionForwardAlgorithm_v7, perf, got, h, x_.get(),
                             w_.get(), conv_.get(), y_.get());
          !st.isOk())
        return st;
      found = pick(perf.data(), got);
      break;
    }
    case Dir::GradInput:
    case Dir::Transpose: {
      std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT);
      if (Status st = ranked(!ctx_->deterministic, cudnnFindConvolutionBackwardDataAlgorithm,
                             cudnnGetConvolutionBackwardDataAlgorithm_v7, perf, got, h, w_.get(),
                             y_.get(), conv_.get(), x_.get());
          !st.isOk())
        return st;
      found = pick(perf.data(), got);
      break;
    }
    case Dir::GradWeight: {
      std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT);
      if (Status st = ranked(!ctx_->deterministic, cudnnFindConvolutionBackwardFilterAlgorithm,
                             cudnnGetConvolutionBackwardFilterAlgorithm_v7, perf, got, h, x_.get(),
                             y_.get(), conv_.get(), w_.get());
          !st.isOk())
        return st;
      found = pick(perf.data(), got);
      break;
    }
    }
    if (!found)
      return Status::error(std::string("cuDNN offers no ") +
                           (ctx_->deterministic ? "deterministic " : "") + "fp32 " + dirName(dir_) +
                           " convolution algorithm within " +
                           std::to_string(kMaxAlgoWorkspace >> 20) + " MiB of workspace");
    ctx_->convAlgos[key] = {algo_, algoBytes_};
    return Status::ok();
  }

  CudaCtxPtr ctx_;
  Dir dir_;
  ConvGeom c_;
  bool explicitPad_ = false, hasEpilogue_ = false;
  dev::UnaryOp epiOp_ = dev::UnaryOp::Relu;
  double epiAlpha_ = 0;
  int64_t PH_ = 0, PW_ = 0;       ///< x's planes as cuDNN sees them (padded when explicitPad_)
  size_t padBytes_ = 0;           ///< the padded x (or dx) at the start of the workspace
  TensorDesc x_, y_, bias_, out_; ///< out_: the transpose's unpadded output, for its bias
  FilterDesc w_;
  ConvDesc conv_;
  int algo_ = 0;
  size_t algoBytes_ = 0;
  uint8_t* ws_ = nullptr;
};

/// conv2d with a fused depthwise stage: the 1x1 conv into the workspace, then the depthwise conv
/// from there into the output, each a CudnnConv with its own part of the workspace.
class FusedDepthwise : public Kernel {
public:
  FusedDepthwise(std::unique_ptr<CudnnConv> first, std::unique_ptr<CudnnConv> second,
                 const ConvGeom& c)
      : first_(std::move(first)), second_(std::move(second)),
        midBytes_(alignUp(sizeof(float) * c.N * c.O * c.OH * c.OW)) {
    mid_.shape = {c.N, c.O, c.OH, c.OW};
  }
  size_t workspaceBytes() const override {
    return midBytes_ + alignUp(first_->workspaceBytes()) + second_->workspaceBytes();
  }
  void setWorkspace(void* p) override {
    auto* w = static_cast<uint8_t*>(p);
    mid_.data = w;
    first_->setWorkspace(w + midBytes_);
    second_->setWorkspace(w + midBytes_ + alignUp(first_->workspaceBytes()));
  }
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    if (!mid_.data) throw CudaError("conv2d kernel run without the workspace it asked for");
    first_->run({in[0], in[1], in[2]}, {&mid_});
    second_->run({&mid_, in[3], in[4]}, out);
  }

private:
  std::unique_ptr<CudnnConv> first_, second_;
  size_t midBytes_;
  Tensor mid_;
};

Expected<std::unique_ptr<Kernel>> make(Dir dir, const Graph& g, const Node& n,
                                       const CudaCtxPtr& ctx) {
  Expected<ConvGeom> geom =
      dir == Dir::Forward ? kernels::convGeometry(g, n) : kernels::convGradGeometry(g, n);
  if (!geom) return geom.takeStatus();
  if (std::string why = geometryRefusal(*geom); !why.empty())
    return kernels::unsupported(n, "cuda", why);
  const auto& a = attrsOf<Conv2dAttrs>(n);
  auto k = std::make_unique<CudnnConv>(ctx, dir, *geom);
  Status st = k->init(dir == Dir::Forward ? a.epilogue : Epilogue::None, a.epilogueAlpha);
  std::unique_ptr<CudnnConv> dw;
  if (st.isOk() && geom->dwStride) {
    dw = std::make_unique<CudnnConv>(ctx, Dir::Forward, kernels::depthwiseStage(*geom));
    st = dw->init(geom->dwEpilogue, 0.0);
  }
  if (!st.isOk()) {
    if (!st.diagnostics()[0].span.valid()) st.diagnostics()[0].span = n.span();
    return st;
  }
  if (dw)
    return std::unique_ptr<Kernel>(
        std::make_unique<FusedDepthwise>(std::move(k), std::move(dw), *geom));
  return std::unique_ptr<Kernel>(std::move(k));
}

Expected<std::unique_ptr<Kernel>> makeTranspose(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(kernels::ConvTGeom t, kernels::convTransposeGeometry(g, n));
  if (std::string why = transposeRefusal(t); !why.empty())
    return kernels::unsupported(n, "cuda", why);
  auto k = std::make_unique<CudnnConv>(ctx, Dir::Transpose, transposedConv(t));
  Status st = k->init(Epilogue::None, 0.0);
  if (!st.isOk()) {
    if (!st.diagnostics()[0].span.valid()) st.diagnostics()[0].span = n.span();
    return st;
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

Expected<std::unique_ptr<Kernel>> makeForward(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  return make(Dir::Forward, g, n, ctx);
}
Expected<std::unique_ptr<Kernel>> makeGradInput(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  return make(Dir::GradInput, g, n, ctx);
}
Expected<std::unique_ptr<Kernel>> makeGradWeight(const Graph& g, const Node& n,
                                                 const CudaCtxPtr& ctx) {
  return make(Dir::GradWeight, g, n, ctx);
}

} // namespace

void registerConv2d(Registry& r) {
  r.add(OpKind::Conv2d, makeForward, checkConv);
  r.add(OpKind::Conv2dGradInput, makeGradInput, checkGrad);
  r.add(OpKind::Conv2dGradWeight, makeGradWeight, checkGrad);
  r.add(OpKind::ConvTranspose2d, makeTranspose, checkTranspose);
}

} // namespace llie::cuda
