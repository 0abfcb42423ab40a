// Host kernels of the training ops both host backends share (the reference and the cpu backend
// register the same functions): the elementwise gradient family, pointwise and class losses,
// argmax and kth_value, comparisons and where, reductions' gradients, optimizer updates, assign
// and drop_path, plus the elementwise forward ops that came with training (sign, sin, cos, acos,
// pow, atan2, prelu). They accumulate in double where a sum is involved, so they serve as their
// own oracle; tests compare them with naive formulas and finite differences.
#pragma once
#include "backends/kernel_registry.h"

namespace llie::train {

// unary_grad.cpp: unary_grad(x, dy) = dy·f'(x), PyTorch's backward conventions.
Expected<std::unique_ptr<Kernel>> makeUnaryGrad(const Graph& g, const Node& n);
// pointwise.cpp: sign, sin, cos, acos; pow, atan2 (broadcasting); prelu.
Expected<std::unique_ptr<Kernel>> makeUnaryMath(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeBinaryMath(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makePrelu(const Graph& g, const Node& n);
// compare_where.cpp: equal, less, less_equal, greater, greater_equal (bool out); where.
Expected<std::unique_ptr<Kernel>> makeCompare(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeWhere(const Graph& g, const Node& n);
// losses.cpp: l1 / mse / smooth_l1 / huber / bce_with_logits (mean) and loss_grad.
Expected<std::unique_ptr<Kernel>> makePointLoss(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeLossGrad(const Graph& g, const Node& n);
// class_losses.cpp: cross_entropy and kl_div (mean over samples) and class_loss_grad.
Expected<std::unique_ptr<Kernel>> makeClassLoss(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeClassLossGrad(const Graph& g, const Node& n);
// select_reductions.cpp: argmax (I64 out) and kth_value (keepdim); forward only.
Expected<std::unique_ptr<Kernel>> makeArgMax(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeKthValue(const Graph& g, const Node& n);
// reduce_grad.cpp; the channels-last variant writes a 4-D result NHWC (the cpu backend's).
Expected<std::unique_ptr<Kernel>> makeReduceGrad(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeReduceGradChannelsLast(const Graph& g, const Node& n);
// optimizers.cpp: PyTorch 1.13's single-tensor SGD and Adam / AdamW.
Expected<std::unique_ptr<Kernel>> makeSgdUpdate(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeAdamUpdate(const Graph& g, const Node& n);
// assign.cpp
Expected<std::unique_ptr<Kernel>> makeAssign(const Graph& g, const Node& n);
// drop_path.cpp: drop_path (inference: a copy) and drop_path_train; dropPathUniform is the
// hash in [0, 1) that decides a sample's fate (dropped when below p).
Expected<std::unique_ptr<Kernel>> makeDropPath(const Graph& g, const Node& n);
Expected<std::unique_ptr<Kernel>> makeDropPathTrain(const Graph& g, const Node& n);
double dropPathUniform(int64_t seed, int64_t step, int64_t sample);

template <class... Ctx> void registerTrainKernels(kernels::Registry<Ctx...>& r) {
  r.template addHost<makeUnaryGrad>(OpKind::UnaryGrad);
  for (OpKind k : {OpKind::Sign, OpKind::Sin, OpKind::Cos, OpKind::Acos})
    r.template addHost<makeUnaryMath>(k);
  r.template addHost<makeBinaryMath>(OpKind::Pow);
  r.template addHost<makeBinaryMath>(OpKind::Atan2);
  r.template addHost<makePrelu>(OpKind::Prelu);
  for (OpKind k :
       {OpKind::Equal, OpKind::Less, OpKind::LessEqual, OpKind::Greater, OpKind::GreaterEqual})
    r.template addHost<makeCompare>(k);
  r.template addHost<makeWhere>(OpKind::Where);
  for (OpKind k : {OpKind::L1Loss, OpKind::MseLoss, OpKind::SmoothL1Loss, OpKind::HuberLoss,
                   OpKind::BceWithLogits})
    r.template addHost<makePointLoss>(k);
  r.template addHost<makeLossGrad>(OpKind::LossGrad);
  r.template addHost<makeClassLoss>(OpKind::CrossEntropy);
  r.template addHost<makeClassLoss>(OpKind::KlDiv);
  r.template addHost<makeClassLossGrad>(OpKind::ClassLossGrad);
  r.template addHost<makeArgMax>(OpKind::ArgMax);
  r.template addHost<makeKthValue>(OpKind::KthValue);
  r.template addHost<makeReduceGrad>(OpKind::ReduceGrad);
  r.template addHost<makeSgdUpdate>(OpKind::SgdUpdate);
  r.template addHost<makeAdamUpdate>(OpKind::AdamUpdate);
  r.template addHost<makeAssign>(OpKind::Assign);
  r.template addHost<makeDropPath>(OpKind::DropPath);
  r.template addHost<makeDropPathTrain>(OpKind::DropPathTrain);
}

} // namespace llie::train
