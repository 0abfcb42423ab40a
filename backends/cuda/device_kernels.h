// The launchers of the cuda backend's own device code (the .cu files), callable from ordinary
// C++: plain types only, no project headers, so nvcc compiles the .cu files quickly and in C++17.
// Each launcher enqueues on `stream` and returns cudaGetLastError() (the launch's own error),
// which the caller checks with LLIE_CUDA_CHECK. Element counts and offsets are int64.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

namespace llie::cuda::dev {

constexpr int kMaxRank = 8;

/// An output of `rank` axes `dims`, with each operand read through its own strides (0 along a
/// broadcast axis).
struct Broadcast2 {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t sa[kMaxRank] = {};
  int64_t sb[kMaxRank] = {};
};

/// The unary elementwise ops (elementwise.cu), evaluated in double like the reference backend.
enum class UnaryOp : int {
  Neg,
  Relu,
  Relu6,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Silu,
  Gelu,
  Exp,
  Log,
  Sqrt,
  Abs,
  Square,
  PowScalar,
  Clamp
};
/// y[i] = op(x[i]); p0 = alpha / exponent / lo, p1 = hi. In-place safe (y == x).
cudaError_t unary(cudaStream_t stream, UnaryOp op, double p0, double p1, const float* x, float* y,
                  int64_t n);
/// A conv's epilogue in one pass over y viewed as [outer, C, inner]: y = y + bias[c] (an f32 add,
/// as cudnnAddTensor), then op in double when `activate` (as unary). bias may be null (no add).
cudaError_t biasActivate(cudaStream_t stream, float* y, const float* bias, int64_t C, int64_t inner,
                         int64_t n, bool activate, UnaryOp op, double p0);

/// Prelu: a > 0 ? a : b·a, b the slope (prelu's channel rule is in the caller's strides).
enum class BinaryOp : int { Add, Sub, Mul, Div, Maximum, Minimum, Prelu };
/// y = a op b with broadcasting (s.dims is y's shape), arithmetic in double.
cudaError_t binary(cudaStream_t stream, BinaryOp op, const float* a, const float* b, float* y,
                   const Broadcast2& shape, int64_t n);

/// y[i] = x[base + Σ_d idx_d(i)·strides[d]] with idx(i) the row-major index of i in dims: the
/// permute / slice / expand / pixel-shuffle gathers (movement.cu).
struct Gather {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
  int64_t base = 0;
};
cudaError_t gather(cudaStream_t stream, const float* x, float* y, const Gather& g, int64_t n);

/// Padding of the last two axes of `planes` H x W images to OH x OW, starting at (pt, pl):
/// mode 0 the constant `value`, 1 reflect (PyTorch's, no edge repeat), 2 replicate.
cudaError_t padImage(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                     int64_t W, int64_t OH, int64_t OW, int64_t pt, int64_t pl, int mode,
                     float value);

/// Resize of the last two axes of `planes` H x W images to OH x OW with PyTorch's source
/// coordinates, computed as kernels::nearestSrc / kernels::linearTap compute them (op_geometry.h;
/// the same float and double operations, without contraction), interpolation in double.
cudaError_t resize(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                   int64_t W, int64_t OH, int64_t OW, bool nearest, bool alignCorners);

/// One axis of a separable linear map, CSR by destination index d: entries [begin[d],
/// begin[d+1]) list the source indices `src` and weights `w` that make destination d.
struct AxisTable {
  const int64_t* begin = nullptr;
  const int64_t* src = nullptr;
  const double* w = nullptr;
};
/// y[p, a, b] = Σ_r rows.w[r] · Σ_c cols.w[c] · x[p, rows.src[r], cols.src[c]], in double, for
/// `planes` planes of x (H x W) and y (OH x OW): average pooling, and the adjoints of pad,
/// resize and average pooling as race-free gathers (movement.cu).
cudaError_t separable(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                      int64_t W, int64_t OH, int64_t OW, AxisTable rows, AxisTable cols);

/// slice_grad: dx[o, j, i] = dy[o, (j − start)/step, i] where j is a sliced index, else 0,
/// with x viewed as [outer, X, inner] and dy as [outer, Y, inner] (movement.cu).
cudaError_t sliceGrad(cudaStream_t stream, const float* dy, float* dx, int64_t outer, int64_t X,
                      int64_t Y, int64_t inner, int64_t start, int64_t step);

/// Zero padding of `planes` H x W images to (pt + H + pb) x (pl + W + pr) (movement.cu).
cudaError_t padPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                      int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr);
/// The inverse: the H x W window at (pt, pl) of each (pt + H + pb) x (pl + W + pr) plane.
cudaError_t cropPlanes(cudaStream_t stream, const float* x, float* y, int64_t planes, int64_t H,
                       int64_t W, int64_t pt, int64_t pb, int64_t pl, int64_t pr);

/// The comparisons (IEEE: false with a NaN) into a Bool tensor of one byte per element, 0 or 1,
/// with broadcasting (elementwise.cu).
enum class CompareOp : int { Equal, Less, LessEqual, Greater, GreaterEqual };
cudaError_t compare(cudaStream_t stream, CompareOp op, const float* a, const float* b, uint8_t* y,
                    const Broadcast2& shape, int64_t n);

/// where(cond, a, e) = cond ? a : e, the Bool condition and both branches broadcast to y.
struct Broadcast3 {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t s[3][kMaxRank] = {};
};
cudaError_t where(cudaStream_t stream, const uint8_t* cond, const float* a, const float* e,
                  float* y, const Broadcast3& shape, int64_t n);

/// A fused elementwise program (fused.cu): every output element evaluates the steps in order,
/// each in double rounded to f32 (the op-by-op rounding of the unfused graph on the reference
/// backend). Slots below numInputs are the inputs (read through their broadcast strides over
/// dims), slot numInputs + j is step j's result; the last step is the output.
constexpr int kMaxFusedInputs = 16;
constexpr int kMaxFusedSteps = 48;
/// The fused-chain steps: UnaryOp's ops first, in its order, then the rest.
enum class FusedOp : int {
  Neg,
  Relu,
  Relu6,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Silu,
  Gelu,
  Exp,
  Log,
  Sqrt,
  Abs,
  Square,
  PowScalar,
  Clamp,
  Sign,
  Sin,
  Cos,
  Acos,
  Identity, // unary
  Add,
  Sub,
  Mul,
  Div,
  Maximum,
  Minimum,
  Prelu,
  Pow,
  Atan2 // binary
};
static_assert(static_cast<int>(FusedOp::Clamp) == static_cast<int>(UnaryOp::Clamp) &&
                  static_cast<int>(FusedOp::Sign) == static_cast<int>(UnaryOp::Clamp) + 1,
              "FusedOp begins with UnaryOp's ops, in the same order (fused.cu evaluates them "
              "with unaryValue)");
static_assert(static_cast<int>(FusedOp::Prelu) - static_cast<int>(FusedOp::Add) ==
                  static_cast<int>(BinaryOp::Prelu),
              "FusedOp's binary ops begin with BinaryOp's, in the same order (fused.cu evaluates "
              "them with binaryValue)");
struct FusedStepDev {
  FusedOp op = FusedOp::Identity;
  int src[2] = {0, 0};
  double p0 = 0, p1 = 0;
};
struct FusedProgramDev {
  int numInputs = 0, numSteps = 0, rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kMaxFusedInputs][kMaxRank] = {};
  FusedStepDev steps[kMaxFusedSteps];
};
struct FusedInputs {
  const float* p[kMaxFusedInputs] = {};
};
cudaError_t fusedElementwise(cudaStream_t stream, const FusedProgramDev& prog,
                             const FusedInputs& in, float* y, int64_t n);

/// unary_grad (elementwise.cu): dx = dy · f'(x) in double, or for the masked ops (relu, relu6,
/// clamp, pow_scalar with exponent 0) dy where the mask passes and +0 elsewhere, with PyTorch's
/// conventions (backends/train/unary_grad.cpp). p0 = alpha / exponent, lo / hi for clamp.
enum class UnaryGradOp : int {
  Neg,
  Relu,
  Relu6,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Silu,
  Gelu,
  Exp,
  Log,
  Sqrt,
  Abs,
  Square,
  PowScalar,
  PowScalarZero,
  Clamp,
  Sin,
  Cos,
  Acos
};
cudaError_t unaryGrad(cudaStream_t stream, UnaryGradOp op, double p0, float lo, float hi,
                      const float* x, const float* dy, float* dx, int64_t n);

/// y[i] = x[base + Σ idx·strides] / divisor (an f32 division; divisor 1: a plain gather): the
/// reduce_grad broadcast of dy, mean's division included (movement.cu).
cudaError_t gatherDivide(cudaStream_t stream, const float* x, float* y, const Gather& g, int64_t n,
                         float divisor);

/// PyTorch's single-tensor SGD and Adam / AdamW (backends/train/optimizers.cpp has the
/// formulas), in f32 operations in PyTorch's order without FMA contraction (elementwise.cu).
/// `lr` and `step` are device scalars read by every thread; outputs may alias inputs.
struct SgdParams {
  float wd = 0, momentum = 0, keep = 1; // keep = 1 − dampening
  bool decay = false, useMomentum = false, nesterov = false;
};
cudaError_t sgdUpdate(cudaStream_t stream, const SgdParams& s, const float* p, const float* g,
                      const float* buf, const float* lr, const float* step, float* pOut,
                      float* bufOut, int64_t n);
struct AdamParams {
  double beta1 = 0.9, beta2 = 0.999, weightDecay = 0;
  float eps = 1e-8f;
  bool decoupled = false, decay = false;
};
cudaError_t adamUpdate(cudaStream_t stream, const AdamParams& a, const float* p, const float* g,
                       const float* m, const float* v, const float* lr, const float* step,
                       float* pOut, float* mOut, float* vOut, int64_t n);

/// A tensor split into groups (the indices of the kept axes, row-major: the output's layout,
/// keepdim or not) of `count` elements each (the reduced axes): an element's offset is the sum
/// of its group's and its position's offsets, each decomposed over dims with strides.
struct GroupGeom {
  int keptRank = 0, redRank = 0;
  int64_t kdims[kMaxRank] = {}, kstrides[kMaxRank] = {};
  int64_t rdims[kMaxRank] = {}, rstrides[kMaxRank] = {};
  int64_t groups = 0, count = 0;
};

/// How a split reduction cuts each group of `count` values: `splits` chunks of `chunk` values
/// (the last shorter), one block each; fixed by the shape alone, so the sums are deterministic.
struct Split {
  int64_t splits = 1, chunk = 1;
};
Split splitFor(int64_t groups, int64_t count);
/// The working memory, in bytes, of a split reduction over `groups` groups of `count` values (the
/// `ws` of pointLoss, batchnormTrain and batchnormGrad; groups = 1 for pointLoss, C for the
/// batchnorms), and of reduce (none where its groups are not split).
size_t splitReduceBytes(int64_t groups, int64_t count);
size_t reduceBytes(const GroupGeom& geom);

enum class ReduceOp : int { Sum, Mean, Max, Min };
/// y[group] = the reduction of its elements, in double (reduce.cu), split into chunks (Split)
/// with their partials in `ws` (splitReduceBytes).
cudaError_t reduce(cudaStream_t stream, ReduceOp op, const float* x, float* y,
                   const GroupGeom& geom, double* ws);
/// Softmax (or log-softmax) over each group's elements: max, sum of exp(x - max) in double,
/// then the normalised values (reduce.cu).
cudaError_t softmax(cudaStream_t stream, bool logForm, const float* x, float* y,
                    const GroupGeom& geom);

/// argmax over x viewed as [outer, K, inner] (select.cu): idx[o·inner + i] is the first k of
/// the largest x[o, k, i], or of the first NaN if there is one (PyTorch's rule, as
/// backends/train/select_reductions.cpp); one thread per index.
cudaError_t argmax(cudaStream_t stream, const float* x, int64_t* idx, int64_t outer, int64_t K,
                   int64_t inner);
/// kth_value (select.cu): y[group] = the k-th smallest (1-based, k in [1, count]) of the
/// group's elements in the NaN-last order (−0 and +0 equal, NaN above +inf), the value of the
/// first element in row-major group order that holds it. One block per group: a radix select on
/// order keys of the float bits, 8 bits per pass, with the histogram in shared memory, so no
/// workspace and no data-dependent sort.
cudaError_t kthValue(cudaStream_t stream, const float* x, float* y, const GroupGeom& geom,
                     int64_t k);

/// The pointwise losses of backends/train/losses.cpp, in double: loss = Σ f(a, b) / n (a split
/// reduction, deterministic) and its gradient da = (dy / n) · f'(a, b) with
/// dy the device scalar `dy` (reduce.cu). beta: smooth_l1's β, huber's δ.
enum class PointLoss : int { L1, Mse, SmoothL1, Huber, Bce };
cudaError_t pointLoss(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                      const float* b, float* y, int64_t n, double* ws);
cudaError_t pointLossGrad(cudaStream_t stream, PointLoss loss, double beta, const float* a,
                          const float* b, const float* dy, float* da, int64_t n);

/// A batchnorm's fused activation (NormAttrs.epilogue): y = act(bn(x)).
enum class BnAct : int { None, Relu, Relu6 };

/// Batch normalisation over x viewed as [outer, C, inner] (reduce.cu), the reference backend's
/// formulas in double, then `act`. Inference on running statistics:
cudaError_t batchnormInfer(cudaStream_t stream, const float* x, const float* gamma,
                           const float* beta, const float* mean, const float* var, float* y,
                           int64_t outer, int64_t C, int64_t inner, double eps, BnAct act);
/// Training: batch mean and biased variance, y, and the running statistics blended with
/// `momentum` (the running variance with the unbiased batch variance). Each channel's sums are
/// split reductions (two passes: the mean, then the centred squares).
cudaError_t batchnormTrain(cudaStream_t stream, const float* x, const float* gamma,
                           const float* beta, const float* runMean, const float* runVar, float* y,
                           float* mean, float* var, float* newRunMean, float* newRunVar,
                           int64_t outer, int64_t C, int64_t inner, double eps, double momentum,
                           BnAct act, double* ws);
/// The training backward: dx, dgamma = Σ g·x̂, dbeta = Σ g, with g = dy, or with an epilogue dy
/// masked where act passes no gradient at the recomputed y = (x − mean)·invstd·gamma + beta
/// rounded to f32 (relu: y > 0; relu6: 0 < y < 6). `beta` is read only with an epilogue (may be
/// null without). Each channel's sums are split reductions.
cudaError_t batchnormGrad(cudaStream_t stream, const float* x, const float* gamma,
                          const float* mean, const float* var, const float* dy, const float* beta,
                          float* dx, float* dgamma, float* dbeta, int64_t outer, int64_t C,
                          int64_t inner, double eps, BnAct act, double* ws);

/// 2-D pooling over x viewed as [planes, H, W] -> [planes, OH, OW] (pool.cu): kernel kh x kw,
/// stride sh, sw, padding top pt, bottom pb, left pl, right pr (the output size says whether
/// ceil mode added windows).
struct PoolDims {
  int64_t planes = 0, H = 0, W = 0, OH = 0, OW = 0;
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, pt = 0, pb = 0, pl = 0, pr = 0;
};
/// max_pool2d: the max of each window's in-image part (-inf for an empty one).
cudaError_t maxPool2d(cudaStream_t stream, const float* x, float* y, const PoolDims& p);
/// max_pool2d_grad: dx[i] = Σ dy over the windows whose first maximal element (row-major) is i,
/// summed in float in window order (the host kernel's result exactly); no atomics.
cudaError_t maxPool2dGrad(cudaStream_t stream, const float* x, const float* dy, float* dx,
                          const PoolDims& p);

/// drop_path_train over n elements of `perSample` per sample (drop_path.cu): sample i is scaled
/// by `scale` = 1/(1-p) or zeroed, by backends/train/drop_path.cpp's hash of (seed, the f32 device
/// scalar `step` rounded, i); p <= 0 copies, p >= 1 zeroes.
cudaError_t dropPathTrain(cudaStream_t stream, const float* x, const float* step, float* y,
                          int64_t n, int64_t perSample, double p, int64_t seed, float scale);

} // namespace llie::cuda::dev
