// The cuda fused_elementwise: the node's program (compiler/ops/fused_expr.h) is parsed once at
// prepare time into the flat form the device interpreter runs (fused.cu), each input laid over
// the output with NumPy broadcast strides. Refused with a reason: a where (its condition is a
// bool tensor, and the cuda kernels take f32 only), more than kMaxFusedInputs inputs,
// kMaxFusedSteps steps or kMaxRank axes. The math ops that have no kernel of their own here
// (sign, sin, cos, acos; pow and atan2 with broadcasting) run as one-step programs.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"
#include "compiler/ops/fused_expr.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

/// The device op of a fusible op; false for where (and anything unknown).
bool fusedOp(OpKind k, dev::FusedOp& op) {
  switch (k) {
  case OpKind::Neg:
    op = dev::FusedOp::Neg;
    return true;
  case OpKind::Relu:
    op = dev::FusedOp::Relu;
    return true;
  case OpKind::Relu6:
    op = dev::FusedOp::Relu6;
    return true;
  case OpKind::LeakyRelu:
    op = dev::FusedOp::LeakyRelu;
    return true;
  case OpKind::Sigmoid:
    op = dev::FusedOp::Sigmoid;
    return true;
  case OpKind::Tanh:
    op = dev::FusedOp::Tanh;
    return true;
  case OpKind::Silu:
    op = dev::FusedOp::Silu;
    return true;
  case OpKind::Gelu:
    op = dev::FusedOp::Gelu;
    return true;
  case OpKind::Exp:
    op = dev::FusedOp::Exp;
    return true;
  case OpKind::Log:
    op = dev::FusedOp::Log;
    return true;
  case OpKind::Sqrt:
    op = dev::FusedOp::Sqrt;
    return true;
  case OpKind::Abs:
    op = dev::FusedOp::Abs;
    return true;
  case OpKind::Square:
    op = dev::FusedOp::Square;
    return true;
  case OpKind::PowScalar:
    op = dev::FusedOp::PowScalar;
    return true;
  case OpKind::Clamp:
    op = dev::FusedOp::Clamp;
    return true;
  case OpKind::Sign:
    op = dev::FusedOp::Sign;
    return true;
  case OpKind::Sin:
    op = dev::FusedOp::Sin;
    return true;
  case OpKind::Cos:
    op = dev::FusedOp::Cos;
    return true;
  case OpKind::Acos:
    op = dev::FusedOp::Acos;
    return true;
  case OpKind::StopGrad:
    op = dev::FusedOp::Identity;
    return true;
  case OpKind::Add:
    op = dev::FusedOp::Add;
    return true;
  case OpKind::Sub:
    op = dev::FusedOp::Sub;
    return true;
  case OpKind::Mul:
    op = dev::FusedOp::Mul;
    return true;
  case OpKind::Div:
    op = dev::FusedOp::Div;
    return true;
  case OpKind::Maximum:
    op = dev::FusedOp::Maximum;
    return true;
  case OpKind::Minimum:
    op = dev::FusedOp::Minimum;
    return true;
  case OpKind::Pow:
    op = dev::FusedOp::Pow;
    return true;
  case OpKind::Atan2:
    op = dev::FusedOp::Atan2;
    return true;
  case OpKind::Prelu:
    op = dev::FusedOp::Prelu;
    return true;
  default:
    return false;
  }
}

/// The input strides of a program whose inputs broadcast (NumPy rules) to y; false if not.
bool layInputs(const Graph& g, const Node& n, const Dims& y, dev::FusedProgramDev& d) {
  d.rank = static_cast<int>(y.size());
  for (size_t i = 0; i < y.size(); ++i)
    d.dims[i] = y[i];
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    Dims x = kernels::inShape(g, n, k), st;
    if (x.size() > y.size() || !kernels::broadcastStrides(kernels::padLeft(x, y.size()), y, st))
      return false;
    for (size_t i = 0; i < st.size(); ++i)
      d.strides[k][i] = st[i];
  }
  return true;
}

/// The device program of node `n`, or why the cuda kernel can't run it (`why` non-empty), or a
/// malformed-node error value.
Expected<dev::FusedProgramDev> lower(const Graph& g, const Node& n, std::string& why) {
  const auto& a = attrsOf<FusedElementwiseAttrs>(n);
  const int32_t nIn = static_cast<int32_t>(n.inputs.size());
  auto prog = parseFusedProgram(a.expr, nIn);
  if (!prog.ok()) return kernels::badNode(n, prog.status().message());
  dev::FusedProgramDev d;
  if (nIn > dev::kMaxFusedInputs) {
    why = "more than " + std::to_string(dev::kMaxFusedInputs) + " inputs";
    return d;
  }
  if (prog->steps.empty() || prog->steps.size() > static_cast<size_t>(dev::kMaxFusedSteps)) {
    why = "a program of 1 to " + std::to_string(dev::kMaxFusedSteps) + " steps";
    return d;
  }
  Dims y = kernels::outShape(g, n);
  if (y.size() > static_cast<size_t>(dev::kMaxRank)) {
    why = "more than " + std::to_string(dev::kMaxRank) + " axes";
    return d;
  }
  d.numInputs = nIn;
  d.numSteps = static_cast<int>(prog->steps.size());
  if (!layInputs(g, n, y, d))
    return kernels::badNode(n, "the inputs do not broadcast to the output shape");
  for (size_t j = 0; j < prog->steps.size(); ++j) {
    const FusedStep& s = prog->steps[j];
    dev::FusedStepDev& t = d.steps[j];
    if (!fusedOp(s.op, t.op)) {
      why = std::string("'") + opName(s.op) + "' inside the program";
      return d;
    }
    for (size_t i = 0; i < s.args.size() && i < 2; ++i)
      t.src[i] = s.args[i];
    if (const auto* c = std::get_if<ClampAttrs>(&s.attrs))
      t.p0 = c->lo, t.p1 = c->hi;
    else if (const auto* l = std::get_if<LeakyReluAttrs>(&s.attrs))
      t.p0 = l->alpha;
    else if (const auto* e = std::get_if<PowScalarAttrs>(&s.attrs))
      t.p0 = e->exponent;
  }
  return d;
}

std::string checkFused(const Graph& g, const Node& n) {
  std::string why;
  auto d = lower(g, n, why);
  return why; // a malformed program is prepare's error to report
}

std::unique_ptr<Kernel> programKernel(const dev::FusedProgramDev& prog, const CudaCtxPtr& ctx) {
  auto shared = std::make_shared<const dev::FusedProgramDev>(prog);
  return kernels::makeFnKernel([ctx, shared](const auto& in, const auto& out) {
    dev::FusedInputs ptrs;
    for (size_t k = 0; k < in.size() && k < size_t(dev::kMaxFusedInputs); ++k)
      ptrs.p[k] = in[k]->f32();
    LLIE_CUDA_CHECK(
        dev::fusedElementwise(ctx->stream, *shared, ptrs, out[0]->f32(), out[0]->numel()));
  });
}

Expected<std::unique_ptr<Kernel>> makeFused(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  std::string why;
  LLIE_ASSIGN_OR_RETURN(dev::FusedProgramDev prog, lower(g, n, why));
  if (!why.empty()) return kernels::unsupported(n, "cuda", why);
  return programKernel(prog, ctx);
}

/// sign / sin / cos / acos (same shape) and pow / atan2 (broadcasting) as one-step programs.
Expected<std::unique_ptr<Kernel>> makeSingle(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  Dims y = kernels::outShape(g, n);
  dev::FusedProgramDev d;
  d.numInputs = static_cast<int>(n.inputs.size());
  d.numSteps = 1;
  fusedOp(n.op, d.steps[0].op);
  d.steps[0].src[0] = 0, d.steps[0].src[1] = d.numInputs > 1 ? 1 : 0;
  Dims expect = kernels::inShape(g, n, 0);
  if (d.numInputs > 1 && !kernels::broadcastShapes(Dims(expect), kernels::inShape(g, n, 1), expect))
    return kernels::badNode(n, "operand shapes do not broadcast");
  if (expect != y || !layInputs(g, n, y, d))
    return kernels::badNode(n, "output shape is not the operands' (broadcast) shape");
  return programKernel(d, ctx);
}

std::string checkRank(const Graph& g, const Node& n) {
  if (kernels::outShape(g, n).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

} // namespace

void registerFused(Registry& r) {
  r.add(OpKind::FusedElementwise, makeFused, checkFused);
  for (OpKind k :
       {OpKind::Sign, OpKind::Sin, OpKind::Cos, OpKind::Acos, OpKind::Pow, OpKind::Atan2})
    r.add(k, makeSingle, checkRank);
}

} // namespace llie::cuda
