// Gradient rules of the conv-like, normalisation and windowed ops. Convolutions get dedicated
// data- and weight-gradient nodes (oneDNN and cuDNN have primitives for both); a transposed
// convolution's input gradient is an ordinary convolution. Training-mode batch norm has its own
// backward node fed by the batch statistics the forward saved. Pools and resize have adjoint
// nodes. Fused epilogues never reach here: fusion runs after autodiff.
#include "compiler/autodiff/grad_builder.h"

namespace llie {
namespace {

Status conv2dRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& a = attrsOf<Conv2dAttrs>(n);
  if (a.epilogue != Epilogue::None || a.residual || a.depthwise)
    return Status::error("internal: autodiff met a conv2d with a fused epilogue or residual",
                         n.span());
  if (a.perSample)
    return Status::error("gradients of per-sample (dynamic depthwise) conv2d are not supported yet",
                         n.span());
  ValueId x = n.inputs[0], w = n.inputs[1];
  if (q.need[0]) dx[0] = b.op(OpKind::Conv2dGradInput, a, {x, w, q.dy[0]});
  if (q.need[1]) dx[1] = b.op(OpKind::Conv2dGradWeight, a, {x, w, q.dy[0]});
  if (n.inputs.size() == 3 && q.need[2])
    dx[2] = b.op(OpKind::ReduceSum, ReduceAttrs{{0, 2, 3}, false}, {q.dy[0]});
  return Status::ok();
}

// y = conv_transpose2d(x, w) is the data gradient of conv2d(·, w): so dx = conv2d(dy, w), and
// dw is conv2d's weight gradient with the roles of x and dy exchanged. Groups carry over as they
// are: PyTorch's [C, O/G, kh, kw] weight is exactly conv2d's [out, in/G, kh, kw] weight of the
// grouped conv from dy's O channels back to x's C.
Status convTransposeRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& t = attrsOf<ConvTranspose2dAttrs>(n);
  Conv2dAttrs c;
  c.stride = t.stride;
  c.pad = t.pad;
  c.dilation = t.dilation;
  c.groups = t.groups;
  ValueId x = n.inputs[0], w = n.inputs[1];
  if (q.need[0]) dx[0] = b.op(OpKind::Conv2d, c, {q.dy[0], w});
  if (q.need[1]) dx[1] = b.op(OpKind::Conv2dGradWeight, c, {q.dy[0], w, x});
  if (n.inputs.size() == 3 && q.need[2])
    dx[2] = b.op(OpKind::ReduceSum, ReduceAttrs{{0, 2, 3}, false}, {q.dy[0]});
  return Status::ok();
}

// Y = op(A)·op(B) (+ bias over the last axis): dop(A) = dY·op(B)ᵀ, dop(B) = op(A)ᵀ·dY, with the
// transposes folded into the matmul flags and batch broadcasting undone.
Status matmulRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  const auto& m = attrsOf<MatMulAttrs>(n);
  if (m.epilogue != Epilogue::None)
    return Status::error("internal: autodiff met a matmul with a fused epilogue", n.span());
  ValueId A = n.inputs[0], B = n.inputs[1], dY = q.dy[0];
  if (q.need[0]) {
    ValueId g = m.transA ? b.op(OpKind::MatMul, MatMulAttrs{m.transB, true}, {B, dY})
                         : b.op(OpKind::MatMul, MatMulAttrs{false, !m.transB}, {dY, B});
    dx[0] = b.unbroadcast(g, b.type(A));
  }
  if (q.need[1]) {
    ValueId g = m.transB ? b.op(OpKind::MatMul, MatMulAttrs{true, m.transA}, {dY, A})
                         : b.op(OpKind::MatMul, MatMulAttrs{!m.transA, false}, {A, dY});
    dx[1] = b.unbroadcast(g, b.type(B));
  }
  if (n.inputs.size() == 3 && q.need[2]) dx[2] = b.unbroadcast(dY, b.type(n.inputs[2]));
  return Status::ok();
}

// batchnorm_train(x, gamma, beta, rm, rv) -> (y, mean, var, rm', rv'): only y carries a gradient
// (the statistics feed the running-stat updates, which are not differentiated).
Status batchNormTrainRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  for (size_t k = 1; k < q.dy.size(); ++k)
    if (q.dy[k] != kNoValue)
      return Status::error("gradients through batch statistics are not supported", n.span());
  if (attrsOf<NormAttrs>(n).epilogue != Epilogue::None)
    return Status::error("batchnorm_train with a fused activation has no gradient rule (the "
                         "fusion runs after the backward pass)",
                         n.span());
  if (q.dy[0] == kNoValue) return Status::ok();
  auto g = b.ops(OpKind::BatchNormGrad, n.attrs,
                 {n.inputs[0], n.inputs[1], n.outputs[1], n.outputs[2], q.dy[0]});
  for (int k = 0; k < 3; ++k)
    if (q.need[k]) dx[k] = g[k];
  return Status::ok();
}

Status poolRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  const Node& n = q.node;
  OpKind k = n.op == OpKind::MaxPool2d ? OpKind::MaxPool2dGrad : OpKind::AvgPool2dGrad;
  dx[0] = b.op(k, n.attrs, {n.inputs[0], q.dy[0]});
  return Status::ok();
}

Status resizeRule(GradBuilder& b, const GradQuery& q, std::vector<ValueId>& dx) {
  dx[0] = b.op(OpKind::ResizeGrad, q.node.attrs, {q.node.inputs[0], q.dy[0]});
  return Status::ok();
}

} // namespace

GradRule spatialGradRule(OpKind op) {
  switch (op) {
  case OpKind::Conv2d:
    return conv2dRule;
  case OpKind::ConvTranspose2d:
    return convTransposeRule;
  case OpKind::MatMul:
    return matmulRule;
  case OpKind::BatchNormTrain:
    return batchNormTrainRule;
  case OpKind::MaxPool2d:
  case OpKind::AvgPool2d:
    return poolRule;
  case OpKind::Resize:
    return resizeRule;
  default:
    return nullptr;
  }
}

} // namespace llie
