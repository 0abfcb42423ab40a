// The cuda elementwise families: the unary ops of kernels::kUnaryOps (with their attributes:
// leaky_relu's alpha, pow_scalar's exponent, clamp's lo/hi), the broadcasting binary ops of
// kernels::kBinaryOps and prelu (its slope by PyTorch's channel rule), the comparisons (a Bool
// result, one byte per element) and where (a Bool condition), and unary_grad (the op named by its
// attributes, resolved here once). Shapes are checked as the reference backend checks them; the
// device code is in elementwise.cu.
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/device_kernels.h"
#include "backends/kernel_util.h"
#include "backends/select_geometry.h"

namespace llie::cuda {
namespace {

using kernels::Dims;

dev::UnaryOp unaryOp(OpKind k) {
  switch (k) {
  case OpKind::Neg:
    return dev::UnaryOp::Neg;
  case OpKind::Relu:
    return dev::UnaryOp::Relu;
  case OpKind::Relu6:
    return dev::UnaryOp::Relu6;
  case OpKind::LeakyRelu:
    return dev::UnaryOp::LeakyRelu;
  case OpKind::Sigmoid:
    return dev::UnaryOp::Sigmoid;
  case OpKind::Tanh:
    return dev::UnaryOp::Tanh;
  case OpKind::Silu:
    return dev::UnaryOp::Silu;
  case OpKind::Gelu:
    return dev::UnaryOp::Gelu;
  case OpKind::Exp:
    return dev::UnaryOp::Exp;
  case OpKind::Log:
    return dev::UnaryOp::Log;
  case OpKind::Sqrt:
    return dev::UnaryOp::Sqrt;
  case OpKind::Abs:
    return dev::UnaryOp::Abs;
  case OpKind::Square:
    return dev::UnaryOp::Square;
  case OpKind::PowScalar:
    return dev::UnaryOp::PowScalar;
  default:
    return dev::UnaryOp::Clamp; // the last of kUnaryOps
  }
}

dev::BinaryOp binaryOp(OpKind k) {
  switch (k) {
  case OpKind::Add:
    return dev::BinaryOp::Add;
  case OpKind::Sub:
    return dev::BinaryOp::Sub;
  case OpKind::Mul:
    return dev::BinaryOp::Mul;
  case OpKind::Div:
    return dev::BinaryOp::Div;
  case OpKind::Maximum:
    return dev::BinaryOp::Maximum;
  default:
    return dev::BinaryOp::Minimum;
  }
}

Expected<std::unique_ptr<Kernel>> makeUnary(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  if (kernels::inShape(g, n, 0) != kernels::outShape(g, n))
    return kernels::badNode(n, "output shape differs from input shape");
  double p0 = 0, p1 = 0;
  if (n.op == OpKind::LeakyRelu) p0 = attrsOf<LeakyReluAttrs>(n).alpha;
  if (n.op == OpKind::PowScalar) p0 = attrsOf<PowScalarAttrs>(n).exponent;
  if (n.op == OpKind::Clamp) {
    p0 = attrsOf<ClampAttrs>(n).lo;
    p1 = attrsOf<ClampAttrs>(n).hi;
  }
  dev::UnaryOp op = unaryOp(n.op);
  return kernels::makeFnKernel([ctx, op, p0, p1](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(
        dev::unary(ctx->stream, op, p0, p1, in[0]->f32(), out[0]->f32(), out[0]->numel()));
  });
}

/// Broadcasting needs at most dev::kMaxRank axes (after leading size-1 axes are dropped).
std::string checkBinary(const Graph& g, const Node& n) {
  if (kernels::outShape(g, n).size() > static_cast<size_t>(dev::kMaxRank))
    return "more than " + std::to_string(dev::kMaxRank) + " axes";
  return "";
}

/// add of two c64 tensors of one shape (backends/host_complex.cpp's makeComplexAdd): the real
/// add over the 2·n interleaved floats.
Expected<std::unique_ptr<Kernel>> makeComplexAdd(const Graph& g, const Node& n,
                                                 const CudaCtxPtr& ctx) {
  Dims y = kernels::outShape(g, n);
  if (!kernels::inputsHaveOutputShape(g, n))
    return kernels::badNode(n, "add of c64 tensors needs equal shapes");
  for (ValueId v : n.inputs)
    if (g.type(v).dtype != DType::C64) return kernels::badNode(n, "add mixes c64 and real");
  const int64_t count = 2 * numel(y);
  dev::Broadcast2 s;
  s.rank = 1, s.dims[0] = count, s.sa[0] = 1, s.sb[0] = 1;
  return kernels::makeFnKernel([ctx, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::binary(
        ctx->stream, dev::BinaryOp::Add, static_cast<const float*>(in[0]->data),
        static_cast<const float*>(in[1]->data), static_cast<float*>(out[0]->data), s, count));
  });
}

/// The binary kernel over y's shape, a and b read through their broadcast strides.
std::unique_ptr<Kernel> binaryKernel(const CudaCtxPtr& ctx, dev::BinaryOp op, const Dims& a,
                                     const Dims& b, const Dims& y) {
  Dims sa, sb;
  kernels::broadcastStrides(kernels::padLeft(a, y.size()), y, sa);
  kernels::broadcastStrides(kernels::padLeft(b, y.size()), y, sb);
  dev::Broadcast2 s;
  s.rank = static_cast<int>(y.size());
  for (size_t d = 0; d < y.size(); ++d)
    s.dims[d] = y[d], s.sa[d] = sa[d], s.sb[d] = sb[d];
  int64_t count = numel(y);
  return kernels::makeFnKernel([ctx, op, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(
        dev::binary(ctx->stream, op, in[0]->f32(), in[1]->f32(), out[0]->f32(), s, count));
  });
}

Expected<std::unique_ptr<Kernel>> makeBinary(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  if (n.op == OpKind::Add && g.type(n.outputs[0]).dtype == DType::C64)
    return makeComplexAdd(g, n, ctx);
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  Dims expect;
  if (!kernels::broadcastShapes(a, b, expect) || expect != y)
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  if (y.size() > static_cast<size_t>(dev::kMaxRank))
    return kernels::unsupported(n, "cuda", checkBinary(g, n));
  return binaryKernel(ctx, binaryOp(n.op), a, b, y);
}

/// prelu with the host kernel's slope rule (select_geometry.h): the slope read as the shape it
/// broadcasts as, then the binary kernel.
Expected<std::unique_ptr<Kernel>> makePrelu(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  LLIE_ASSIGN_OR_RETURN(Dims slope, kernels::preluSlopeShape(g, n));
  Dims x = kernels::inShape(g, n, 0);
  if (x.size() > static_cast<size_t>(dev::kMaxRank))
    return kernels::unsupported(n, "cuda", checkBinary(g, n));
  return binaryKernel(ctx, dev::BinaryOp::Prelu, x, slope, x);
}

/// Shape checks as the host kernels' (backends/train/compare_where.cpp).
Expected<std::unique_ptr<Kernel>> makeCompare(const Graph& g, const Node& n,
                                              const CudaCtxPtr& ctx) {
  Dims a = kernels::inShape(g, n, 0), b = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  Dims expect, sa, sb;
  if (!kernels::broadcastShapes(a, b, expect) || expect != y)
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  kernels::broadcastStrides(kernels::padLeft(a, y.size()), y, sa);
  kernels::broadcastStrides(kernels::padLeft(b, y.size()), y, sb);
  dev::Broadcast2 s;
  s.rank = static_cast<int>(y.size());
  for (size_t d = 0; d < y.size(); ++d)
    s.dims[d] = y[d], s.sa[d] = sa[d], s.sb[d] = sb[d];
  dev::CompareOp op = n.op == OpKind::Equal       ? dev::CompareOp::Equal
                      : n.op == OpKind::Less      ? dev::CompareOp::Less
                      : n.op == OpKind::LessEqual ? dev::CompareOp::LessEqual
                      : n.op == OpKind::Greater   ? dev::CompareOp::Greater
                                                  : dev::CompareOp::GreaterEqual;
  int64_t count = numel(y);
  return kernels::makeFnKernel([ctx, op, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::compare(ctx->stream, op, in[0]->f32(), in[1]->f32(),
                                 static_cast<uint8_t*>(out[0]->data), s, count));
  });
}

Expected<std::unique_ptr<Kernel>> makeWhere(const Graph& g, const Node& n, const CudaCtxPtr& ctx) {
  Dims c = kernels::inShape(g, n, 0), a = kernels::inShape(g, n, 1), e = kernels::inShape(g, n, 2);
  Dims y = kernels::outShape(g, n), ce, expect;
  if (!kernels::broadcastShapes(c, a, ce) || !kernels::broadcastShapes(ce, e, expect) ||
      expect != y)
    return kernels::badNode(n, "operand shapes do not broadcast to the output shape");
  dev::Broadcast3 s;
  s.rank = static_cast<int>(y.size());
  const Dims* ops[3] = {&c, &a, &e};
  for (int j = 0; j < 3; ++j) {
    Dims st;
    kernels::broadcastStrides(kernels::padLeft(*ops[j], y.size()), y, st);
    for (size_t d = 0; d < y.size(); ++d)
      s.s[j][d] = st[d];
  }
  for (size_t d = 0; d < y.size(); ++d)
    s.dims[d] = y[d];
  int64_t count = numel(y);
  return kernels::makeFnKernel([ctx, s, count](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::where(ctx->stream, static_cast<const uint8_t*>(in[0]->data), in[1]->f32(),
                               in[2]->f32(), out[0]->f32(), s, count));
  });
}

/// unary_grad's op by name (backends/train/unary_grad.cpp's list); false for an unknown one.
bool unaryGradOp(const std::string& op, double alpha, dev::UnaryGradOp& k) {
  static const std::pair<const char*, dev::UnaryGradOp> ops[] = {
      {"neg", dev::UnaryGradOp::Neg},         {"relu", dev::UnaryGradOp::Relu},
      {"relu6", dev::UnaryGradOp::Relu6},     {"leaky_relu", dev::UnaryGradOp::LeakyRelu},
      {"sigmoid", dev::UnaryGradOp::Sigmoid}, {"tanh", dev::UnaryGradOp::Tanh},
      {"silu", dev::UnaryGradOp::Silu},       {"gelu", dev::UnaryGradOp::Gelu},
      {"exp", dev::UnaryGradOp::Exp},         {"log", dev::UnaryGradOp::Log},
      {"sqrt", dev::UnaryGradOp::Sqrt},       {"abs", dev::UnaryGradOp::Abs},
      {"square", dev::UnaryGradOp::Square},   {"pow_scalar", dev::UnaryGradOp::PowScalar},
      {"clamp", dev::UnaryGradOp::Clamp},     {"sin", dev::UnaryGradOp::Sin},
      {"cos", dev::UnaryGradOp::Cos},         {"acos", dev::UnaryGradOp::Acos}};
  for (auto& [name, v] : ops)
    if (op == name) {
      k = v;
      if (k == dev::UnaryGradOp::PowScalar && alpha == 0.0) k = dev::UnaryGradOp::PowScalarZero;
      return true;
    }
  return false;
}

Expected<std::unique_ptr<Kernel>> makeUnaryGrad(const Graph& g, const Node& n,
                                                const CudaCtxPtr& ctx) {
  const auto& a = attrsOf<UnaryGradAttrs>(n);
  Dims x = kernels::inShape(g, n, 0), dy = kernels::inShape(g, n, 1), y = kernels::outShape(g, n);
  if (x != y || numel(dy) != numel(x))
    return kernels::badNode(n, "dy and the result must have the shape of x");
  dev::UnaryGradOp op;
  if (!unaryGradOp(a.op, a.alpha, op))
    return kernels::badNode(n, "no gradient for unary op '" + a.op + "'");
  // clamp's bounds are compared as f32, as PyTorch does for a float tensor.
  const double p0 = a.alpha;
  const float lo = static_cast<float>(a.alpha), hi = static_cast<float>(a.beta);
  return kernels::makeFnKernel([ctx, op, p0, lo, hi](const auto& in, const auto& out) {
    LLIE_CUDA_CHECK(dev::unaryGrad(ctx->stream, op, p0, lo, hi, in[0]->f32(), in[1]->f32(),
                                   out[0]->f32(), out[0]->numel()));
  });
}

} // namespace

void registerElementwise(Registry& r) {
  r.add(OpKind::UnaryGrad, makeUnaryGrad);
  for (OpKind k :
       {OpKind::Equal, OpKind::Less, OpKind::LessEqual, OpKind::Greater, OpKind::GreaterEqual})
    r.add(k, makeCompare, checkBinary);
  r.add(OpKind::Where, makeWhere, checkBinary);
  for (OpKind k : kernels::kUnaryOps)
    r.add(k, makeUnary);
  for (OpKind k : kernels::kBinaryOps)
    r.add(k, makeBinary, checkBinary);
  r.add(OpKind::Prelu, makePrelu, checkBinary);
}

} // namespace llie::cuda
