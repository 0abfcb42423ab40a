"""Generate a PyTorch reference case (weights, input, expected outputs) for llie's parity tests.

Builds the flagship SAD-FPN U-Net or Zero-DCE (tests/parity/ref_models.py) in eval mode with
seeded random weights (BatchNorm statistics and affine terms randomised too, so that BN is not
the identity; every conv then rescaled on a seeded calibration image so that activations stay
O(1) and the output sigmoid/tanh does not saturate), makes a seeded random input in [0, 1) of
shape [1, 3, H, W], runs it in float32, and writes into --out:
  weights.safetensors       every parameter by llie's name (float32; no num_batches_tracked)
  input.safetensors         "x" (float32)
  expected.safetensors      float32 PyTorch outputs by name: sadfpn_unet "y", "e1".."e4";
                            zero_dce "enhanced", "A", "y4". For a flagship whose H or W is not a
                            multiple of 16 only "y" = enhance_padded(...) (reflect pad, crop back).
  expected_f64.safetensors  only with a full float64 run (--f64 full, or auto on tiny sizes): the
                            same outputs in float64 from the same float32 weights and input.
It also measures PyTorch's own float32-vs-float64 error, on the whole case or (the default for
all but tiny sizes, as float64 convs are slow with Debian's reference BLAS) on a small crop, and
prints a one-line JSON summary.
Usage: /usr/bin/python3 tests/parity/make_reference.py --model sadfpn_unet --height 256 --width 256 \
           --seed 0 --out DIR [--f64 auto|full|proxy|off] [--threads 2]
"""

import argparse
import copy
import json
import os
import sys
import time

_T0 = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from ref_models import OUTPUT_NAMES, build_model, enhance_padded, exported_state_dict  # noqa: E402
from safetensors_io import save_file  # noqa: E402


def randomize(model, seed):
    """Seeded weights. Convs: He-normal (fan_in, ReLU gain), biases U(-1/sqrt(fan_in), +).
    BatchNorm: weight U(0.5, 1.5), bias N(0, 0.1), running_mean N(0, 0.1), running_var U(0.5, 1.5),
    so that inference-mode BN is a non-trivial per-channel affine map."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    bound = fan_in ** -0.5
                    m.bias.copy_((torch.rand(m.bias.shape, generator=g) * 2 - 1) * bound)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
    return model


CALIB_SIZE = 64
OUTPUT_GAIN = {"head": 2.0}  # pre-sigmoid rms 2: a wide spread of y, about 2% beyond 0.01 / 0.99


def calibrate(model, seed):
    """Data-dependent rescaling (LSUV-style) of every conv's weight so that its output, bias left
    out, has rms 1 (OUTPUT_GAIN for named convs) on a seeded 64x64 calibration image, so that with
    the random BN statistics activations stay O(1): ReLU6 rarely clips, sigmoid/tanh rarely
    saturate, nothing vanishes. The scales depend only on the seed, not on H or W. Also returns
    the multiply-accumulates per input pixel (used to price the float64 check)."""
    g = torch.Generator().manual_seed(seed + 7_919)
    x = torch.rand((1, 3, CALIB_SIZE, CALIB_SIZE), generator=g)
    names = {m: n for n, m in model.named_modules()}
    macs = [0]

    def hook(mod, inp, out):
        b = mod.bias.view(1, -1, 1, 1) if mod.bias is not None else 0.0
        o = out - b
        s = OUTPUT_GAIN.get(names[mod], 1.0) / max(float(o.pow(2).mean().sqrt()), 1e-12)
        mod.weight.mul_(s)
        macs[0] += out.numel() * mod.weight[0].numel()
        return o * s + b

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return macs[0] / CALIB_SIZE ** 2


class DepthwiseF64(nn.Module):
    """A depthwise conv as nine shifted multiply-adds: PyTorch runs a float64 grouped conv as one
    slow (reference-BLAS) conv per group, thousands of calls for the flagship; this is exact to
    float64 rounding all the same."""

    def __init__(self, conv):
        super().__init__()
        self.weight, self.bias = conv.weight, conv.bias
        self.stride, self.padding = conv.stride, conv.padding

    def forward(self, x):
        (kh, kw), (sh, sw), (ph, pw) = self.weight.shape[2:], self.stride, self.padding
        xp = F.pad(x, (pw, pw, ph, ph))
        ho = (xp.shape[2] - kh) // sh + 1
        wo = (xp.shape[3] - kw) // sw + 1
        out = None
        for i in range(kh):
            for j in range(kw):
                tap = self.weight[:, 0, i, j].view(1, -1, 1, 1) * \
                    xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
                out = tap if out is None else out + tap
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)


def to_float64(model):
    """A float64 copy of model, with depthwise convs swapped for DepthwiseF64."""
    m64 = copy.deepcopy(model).double()
    for parent in list(m64.modules()):
        for name, child in list(parent.named_children()):
            if (isinstance(child, nn.Conv2d) and child.groups > 1
                    and child.groups == child.in_channels == child.out_channels
                    and child.dilation == (1, 1) and child.padding_mode == "zeros"):
                setattr(parent, name, DepthwiseF64(child))
    return m64


def run(model, x, name, padded):
    with torch.no_grad():
        if padded:
            return {"y": enhance_padded(model, x)}
        return dict(zip(OUTPUT_NAMES[name], model(x)))


def health(name, out):
    """Checks that the random network is not degenerate (saturated or constant outputs)."""
    problems = []
    if name == "sadfpn_unet":
        y = out["y"]
        sat = float(((y < 0.01) | (y > 0.99)).double().mean())
        if float(y.std()) < 0.02:
            problems.append(f"y std {float(y.std()):.3g} too small")
        if sat > 0.2:
            problems.append(f"{sat:.0%} of y saturated")
        for k in ("e1", "e2", "e3", "e4"):
            if k in out and float(out[k].std()) < 1e-3:
                problems.append(f"{k} is nearly constant")
    else:
        a = out["A"]
        sat = float((a.abs() > 0.99).double().mean())
        if float(a.std()) < 0.02:
            problems.append(f"A std {float(a.std()):.3g} too small (curves near identity)")
        if sat > 0.2:
            problems.append(f"{sat:.0%} of A saturated")
    return problems


def compare(out32, out64):
    err = {}
    for k, v in out32.items():
        d = (v.double() - out64[k]).abs()
        scale = float(out64[k].abs().max())
        err[k] = {"max_abs": float(f"{float(d.max()):.3g}"), "mean_abs": float(f"{float(d.mean()):.3g}"),
                  "max_rel": float(f"{float(d.max()) / scale:.3g}") if scale > 0 else 0.0}
    return err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, choices=sorted(OUTPUT_NAMES))
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--f64", choices=("auto", "full", "proxy", "off"), default="auto",
                    help="float64 check: 'full' reruns the whole case in float64 and writes "
                         "expected_f64.safetensors; 'proxy' reruns a top-left crop of the input (up to "
                         "64x64, within --f64-budget-gmac) in float32 and float64 (Debian's PyTorch "
                         "has only the reference BLAS: float64 convs run at ~0.3 GMAC/s); 'auto' = "
                         "full when it costs under --f64-budget-gmac, else proxy")
    ap.add_argument("--f64-budget-gmac", type=float, default=0.35)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t_import = time.perf_counter() - _T0
    if args.height < 1 or args.width < 1:
        ap.error("--height and --width must be positive")

    padded = bool(args.model == "sadfpn_unet" and (args.height % 16 or args.width % 16))
    if padded and ((-args.height) % 16 >= args.height or (-args.width) % 16 >= args.width):
        ap.error(f"{args.height}x{args.width}: reflect padding to a multiple of 16 needs each pad "
                 "to be smaller than its side")
    t = time.perf_counter()
    torch.manual_seed(args.seed)
    model = randomize(build_model(args.model), args.seed).eval()
    # Small problems run on one thread: with many tiny ops, a second OpenMP thread mostly adds
    # barrier waits, badly so when other processes compete for the cores. (Not the case itself:
    # on one thread this PyTorch runs 1x1 convs on the reference BLAS instead of oneDNN.)
    torch.set_num_threads(1)
    macs_per_px = calibrate(model, args.seed)
    torch.set_num_threads(args.threads)
    t_build = time.perf_counter() - t
    gx = torch.Generator().manual_seed(args.seed + 1_000_003)
    x = torch.rand((1, 3, args.height, args.width), generator=gx, dtype=torch.float32)

    t = time.perf_counter()
    out32 = run(model, x, args.model, padded)
    t_f32 = time.perf_counter() - t

    hp, wp = (-(-args.height // 16) * 16, -(-args.width // 16) * 16) if padded else (args.height, args.width)
    full_gmac = macs_per_px * hp * wp / 1e9
    mode = args.f64
    if mode == "auto":
        mode = "full" if full_gmac <= args.f64_budget_gmac else "proxy"
    t = time.perf_counter()
    out64 = None
    f64_info = {"mode": mode}
    if mode == "full":
        torch.set_num_threads(1)  # float64 runs on the reference BLAS: one thread avoids barriers
        model64 = to_float64(model)
        out64 = run(model64, x.double(), args.model, padded)
        f64_info.update(at=[args.height, args.width], errors=compare(out32, out64))
    elif mode == "proxy":
        # Largest square side (a multiple of 16, at most 64) within the budget, cropped to the input.
        side = 64
        while side > 16 and macs_per_px * side * side / 1e9 > args.f64_budget_gmac:
            side -= 16
        ch, cw = min(side, args.height), min(side, args.width)
        if args.model == "sadfpn_unet":
            ch, cw = max(16, ch - ch % 16), max(16, cw - cw % 16)
        xc = x[..., :ch, :cw]
        if xc.shape[-2:] != (ch, cw):  # tiny input: tile it up to the proxy size
            xc = x.repeat(1, 1, -(-ch // args.height), -(-cw // args.width))[..., :ch, :cw]
        pc = run(model, xc, args.model, False)  # same threads as the case: same oneDNN paths
        torch.set_num_threads(1)
        model64 = to_float64(model)
        p64 = run(model64, xc.double(), args.model, False)
        f64_info.update(at=[ch, cw], errors=compare(pc, p64))
    t_f64 = time.perf_counter() - t

    stats = {k: {"shape": list(v.shape), "mean": round(float(v.mean()), 6), "std": round(float(v.std()), 6)}
             for k, v in out32.items()}
    problems = health(args.model, out32)

    os.makedirs(args.out, exist_ok=True)
    meta = {"model": args.model, "height": str(args.height), "width": str(args.width),
            "seed": str(args.seed), "padded": str(padded).lower(),
            "generator": "tests/parity/make_reference.py", "torch": torch.__version__}
    save_file({k: v.numpy() for k, v in exported_state_dict(model).items()},
              os.path.join(args.out, "weights.safetensors"), metadata=meta)
    save_file({"x": x.numpy()}, os.path.join(args.out, "input.safetensors"), metadata=meta)
    save_file({k: v.numpy() for k, v in out32.items()}, os.path.join(args.out, "expected.safetensors"),
              metadata={**meta, "outputs": ",".join(out32), "torch_f32_vs_f64": json.dumps(f64_info)})
    f64_path = os.path.join(args.out, "expected_f64.safetensors")
    if out64 is not None:
        save_file({k: v.numpy() for k, v in out64.items()}, f64_path, metadata=meta)
    elif os.path.exists(f64_path):
        os.remove(f64_path)  # stale from an earlier run of another case

    summary = {
        "model": args.model, "height": args.height, "width": args.width, "seed": args.seed,
        "padded": padded, "out": args.out, "gmac": round(full_gmac, 3), "outputs": stats,
        "torch_f32_vs_f64": f64_info, "healthy": not problems, "problems": problems,
        "seconds": {"import": round(t_import, 2), "build": round(t_build, 3), "f32": round(t_f32, 3),
                    "f64": round(t_f64, 3), "total": round(time.perf_counter() - _T0, 2)},
    }
    print(json.dumps(summary, separators=(",", ":")))
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
