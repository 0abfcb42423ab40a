"""PyTorch's instance norm (all channels, and HIN's first half only), layer norm (eps 1e-6) and
F.normalize for the parity test of llie's norm kernels and gradient rules: makes seeded inputs,
computes y and the gradients of L = sum(r * y) in float64 and writes inputs.safetensors (float32)
and expected.safetensors (float64) to --out. Run with /usr/bin/python3 (Debian's PyTorch)."""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402


def hin(x, g, b, c0):
    head = F.instance_norm(x[:, :c0], weight=g, bias=b, eps=1e-5)
    return torch.cat([head, x[:, c0:]], 1)


CASES = {
    # name: (input shapes x, gamma, beta; forward)
    "in": ([(2, 4, 5, 6), (4,), (4,)], lambda x, g, b: F.instance_norm(x, weight=g, bias=b, eps=1e-5)),
    "hin": ([(2, 6, 4, 5), (3,), (3,)], lambda x, g, b: hin(x, g, b, 3)),
    "ln": ([(2, 5, 24), (24,), (24,)], lambda x, g, b: F.layer_norm(x, (24,), g, b, eps=1e-6)),
    "l2": ([(2, 8, 3, 3)], lambda x: F.normalize(x, p=2.0, dim=1, eps=1e-12)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    gen = torch.Generator().manual_seed(11)
    inputs, expected = {}, {}
    for name, (shapes, fn) in CASES.items():
        ts = [(torch.rand(s, generator=gen, dtype=torch.float64) * 4 - 2).float() for s in shapes]
        if len(ts) == 3:
            ts[1] = (torch.rand(shapes[1], generator=gen, dtype=torch.float64) + 0.5).float()
        args64 = [t.double().requires_grad_(True) for t in ts]
        y = fn(*args64)
        r = (torch.rand(y.shape, generator=gen, dtype=torch.float64) * 2 - 1).float()
        (y * r.double()).sum().backward()
        for i, t in enumerate(ts):
            inputs[f"{name}.{i}"] = t.numpy()
            expected[f"{name}.grad{i}"] = args64[i].grad.numpy()
        inputs[f"{name}.r"] = r.numpy()
        expected[f"{name}.y"] = y.detach().numpy()
    save_file(inputs, os.path.join(args.out, "inputs.safetensors"))
    save_file(expected, os.path.join(args.out, "expected.safetensors"))


if __name__ == "__main__":
    main()
