"""PyTorch 1.13's cross_entropy and Hinton's KL distillation loss, in float64, for the class-loss
kernel tests (tests/backends/class_loss_kernels_test.cpp). Reads a JSON list of cases and writes
each case's loss and its gradient with respect to the logits (autograd):
  cross_entropy  F.cross_entropy(z, t, label_smoothing=eps), t class indices or probabilities
  kl_div         tau^2 * F.kl_div(log_softmax(z_s/tau), log_softmax(z_t/tau), log_target=True),
                 reduction="batchmean" for [N, K]; for more axes the sum over every element
                 divided by the samples (every position off the class axis)
A class axis other than 1 is moved to 1 first.
Usage: class_losses.py IN.json OUT.json"""
import json
import sys

import torch
import torch.nn.functional as F


def run(case):
    z = torch.tensor(case["z"], dtype=torch.float64).reshape(case["shape"]).requires_grad_()
    axis = case["axis"] % len(case["shape"])
    zm = z.movedim(axis, 1)
    if case["op"] == "cross_entropy":
        if case["indices"]:
            t = torch.tensor(case["t"], dtype=torch.int64).reshape(case["t_shape"])
        else:
            t = torch.tensor(case["t"], dtype=torch.float64).reshape(case["t_shape"]).movedim(axis, 1)
        loss = F.cross_entropy(zm, t, label_smoothing=case["eps"])
    else:
        tau = case["tau"]
        t = torch.tensor(case["t"], dtype=torch.float64).reshape(case["t_shape"]).movedim(axis, 1)
        ls, lt = F.log_softmax(zm / tau, dim=1), F.log_softmax(t / tau, dim=1)
        if zm.dim() == 2:
            loss = tau * tau * F.kl_div(ls, lt, reduction="batchmean", log_target=True)
        else:
            samples = zm.numel() // zm.shape[1]
            loss = tau * tau * F.kl_div(ls, lt, reduction="sum", log_target=True) / samples
    loss.backward()
    return {"loss": loss.item(), "grad": z.grad.reshape(-1).tolist()}


def main():
    cases = json.load(open(sys.argv[1]))
    json.dump([run(c) for c in cases], open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
