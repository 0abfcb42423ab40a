"""How well-conditioned is the flagship's training gradient in float32? (a measuring tool)

PyTorch float64 computes the flagship's step-0 gradient (SADFPNTrain, SAD on; the weights and batch
of train_reference.py) twice: at the batch and at the batch's input multiplied by (1 + eps * N(0,1)),
eps at the level of float32 rounding. If the float64 gradient itself moves by more than a
tolerance under such a perturbation, no float32 implementation can be held to that tolerance: a
ReLU/ReLU6 input or an L1 difference that lies within rounding distance of its kink ends up on
either side depending on how the sums were ordered. It also prints the activations nearest to a
kink. README.md ("Training parity") quotes its figures.
Usage: /usr/bin/python3 tests/parity/conditioning.py [--size 64] [--seed 0] [--eps 1e-7 1e-6]
"""

import argparse
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import ref_models  # noqa: E402
import train_reference as tr  # noqa: E402
from make_reference import to_float64  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=64, help="H = W, a multiple of 16")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--eps", type=float, nargs="+", default=[1e-7, 1e-6])
    args = ap.parse_args()
    torch.set_num_threads(1)

    # train_reference.py's weights and batch.
    model, data = tr.make_case("sadfpn_unet", args.seed, args.batch, args.size, args.size)
    torch.set_num_threads(1)
    shape = tuple(data["x"].shape)
    m64 = to_float64(model)
    batch = {k: v.double() for k, v in data.items()}

    # The distance of every ReLU/ReLU6 input to its kink(s), recorded while the model runs.
    gaps = []
    relu, relu6 = F.relu, F.relu6

    def relu_probe(t, *a, **k):
        gaps.append(float(t.detach().abs().min()))
        return relu(t, *a, **k)

    def relu6_probe(t, *a, **k):
        gaps.append(min(float(t.detach().abs().min()), float((t.detach() - 6).abs().min())))
        return relu6(t, *a, **k)

    def gradients(b):
        m = copy.deepcopy(m64).train()
        tr.total_of(tr.loss_terms("sadfpn_unet", m, b, 0, 0)).backward()
        return {n: p.grad.detach().clone() for n, p in m.named_parameters()}

    ref_models.F.relu, ref_models.F.relu6 = relu_probe, relu6_probe
    g0 = gradients(batch)
    ref_models.F.relu, ref_models.F.relu6 = relu, relu6
    with torch.no_grad():
        y = m64.train()(batch["x"])[0]
    l1_gap = float((y - batch["gt"]).abs().min())
    print(f"flagship, seed {args.seed}, batch {args.batch}, {args.size}x{args.size}: "
          f"{len(g0)} parameters")
    print("smallest distance of a ReLU/ReLU6 input to its kink, per layer, closest five: "
          + ", ".join(f"{v:.2g}" for v in sorted(gaps)[:5]) + f"; of an L1 difference: {l1_gap:.2g}")
    for eps in args.eps:
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(99), dtype=torch.float64)
        g1 = gradients({"x": batch["x"] * (1 + eps * noise), "gt": batch["gt"]})
        rows = sorted(((tr.rel_norm(g1[n], g0[n]), n) for n in g0), reverse=True)
        print(f"float64 gradient change (norm-wise relative) under x * (1 + {eps:g} N(0,1)): "
              f"worst {rows[0][0]:.3g} ({rows[0][1]}), {sum(e > 1e-3 for e, _ in rows)} of "
              f"{len(rows)} parameters over 1e-3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
