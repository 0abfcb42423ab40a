"""Zero-DCE's four zero-reference losses as the official code (Myloss.py) computes them, for the
parity test of models/std/losses.llie: makes seeded x, y (in [0, 1]) and A (in [-1, 1]), runs the
losses in float64 and writes inputs.safetensors and expected.safetensors (col, spa, exp, tv) to
--out. Run with /usr/bin/python3 (Debian's PyTorch)."""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import save_file  # noqa: E402


def l_color(y):
    m = torch.mean(y, [2, 3], keepdim=True)
    mr, mg, mb = torch.split(m, 1, dim=1)
    drg, drb, dgb = (mr - mg) ** 2, (mr - mb) ** 2, (mb - mg) ** 2
    return torch.mean(torch.pow(drg ** 2 + drb ** 2 + dgb ** 2, 0.5))


def l_spa(y, x):
    def k(rows):
        return torch.tensor(rows, dtype=y.dtype).view(1, 1, 3, 3)
    kernels = [k([[0, 0, 0], [-1, 1, 0], [0, 0, 0]]), k([[0, 0, 0], [0, 1, -1], [0, 0, 0]]),
               k([[0, -1, 0], [0, 1, 0], [0, 0, 0]]), k([[0, 0, 0], [0, 1, 0], [0, -1, 0]])]
    px = F.avg_pool2d(torch.mean(x, 1, keepdim=True), 4)
    py = F.avg_pool2d(torch.mean(y, 1, keepdim=True), 4)
    e = 0
    for kk in kernels:
        e = e + (F.conv2d(px, kk, padding=1) - F.conv2d(py, kk, padding=1)) ** 2
    return torch.mean(e)


def l_exp(y, level=0.6, patch=16):
    m = F.avg_pool2d(torch.mean(y, 1, keepdim=True), patch)
    return torch.mean((m - level) ** 2)


def l_tv(a):
    n, _, h, w = a.shape
    h_tv = torch.pow(a[:, :, 1:, :] - a[:, :, :h - 1, :], 2).sum()
    w_tv = torch.pow(a[:, :, :, 1:] - a[:, :, :, :w - 1], 2).sum()
    return 2 * (h_tv / ((h - 1) * w) + w_tv / (h * (w - 1))) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    x = rng.uniform(0, 0.3, (2, 3, 64, 48)).astype(np.float32)
    y = rng.uniform(0, 1, (2, 3, 64, 48)).astype(np.float32)
    a = rng.uniform(-1, 1, (2, 24, 64, 48)).astype(np.float32)
    tx, ty, ta = (torch.from_numpy(v).double() for v in (x, y, a))
    losses = {"col": l_color(ty), "spa": l_spa(ty, tx), "exp": l_exp(ty), "tv": l_tv(ta)}
    os.makedirs(args.out, exist_ok=True)
    save_file({"x": x, "y": y, "a": a}, os.path.join(args.out, "inputs.safetensors"))
    save_file({k: np.array(v.item(), dtype=np.float64).reshape(1) for k, v in losses.items()},
              os.path.join(args.out, "expected.safetensors"))


if __name__ == "__main__":
    main()
