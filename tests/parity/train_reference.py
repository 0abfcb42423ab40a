"""PyTorch's side of llie's training parity test (train_parity_test.cpp): one training case.

For Zero-DCE (the train entry ZeroDCETrain of models/zero_dce.llie: 200*tv + spa + 5*col + 10*exp,
the official Zero-DCE losses of zero_dce_losses.py) or the flagship SAD-FPN U-Net (SADFPNTrain of
models/sadfpn_unet.llie: l1 + 0.5*(1 - SSIM) + w_sad(step)*SAD, as docs/flagship-model.md defines
them), this script makes seeded weights (make_reference.py's: He-normal, random BatchNorm affine
terms and running statistics, LSUV-rescaled) and a seeded batch, and then, in float32 on the CPU
with the model in train() mode (BatchNorm on batch statistics, running statistics updated):
  step 0   the loss terms, the total and every parameter's gradient (before clipping);
  steps    K optimizer steps on the same batch (torch.optim.Adam/AdamW/SGD with the given
           hyper-parameters, clip_grad_norm_ when --clip > 0, a constant learning rate), the
           total loss before each step's update (the loss curve; its first entry is step 0's
           loss), and the weights and BatchNorm running statistics after the last step;
  float64  the step-0 loss and gradients once more with a float64 copy of the model (same float32
           weights and batch), to report PyTorch's own float32 error.
Files written into --out:
  weights.safetensors   the initial parameters and BatchNorm running statistics, llie's names
  inputs.safetensors    "x" (and "gt" for the flagship), [B, 3, H, W], uniform in [0, 1)
  expected.safetensors  "loss", "loss.<term>", "grad.<param>" at step 0 (float32); __metadata__
                        "torch_f32_vs_f64" (JSON: relative errors of PyTorch's float32 loss,
                        terms and per-parameter gradients against its float64 run)
  expected_f64.safetensors  the same tensors from the float64 run (float64; not with --f64 off)
  curve.safetensors     "loss" [K] and "loss.<term>" [K] (float32, step k's loss before its
                        update), every parameter and running statistic after the K steps (by
                        name) and after the first step ("step1.<name>"); with --curve-f64 on
                        also "f64.loss" and "f64.loss.<term>" [K] (float64): the same K steps
                        run on a float64 copy of the model from the same start
It prints a one-line JSON summary. Terms are the weighted summands of the total, as the train
entries declare them (Zero-DCE: tv, spa, col, exp; flagship: l1, ssim, sad with ssim =
0.5*(1-SSIM) and sad = w_sad*L_sad, w_sad = 0.1 once step >= --sad-start, else 0).
Usage: /usr/bin/python3 tests/parity/train_reference.py --model zero_dce|sadfpn_unet --seed S
    --batch B --size HxW --steps K --optimizer adam|adamw|sgd [--lr --weight-decay --clip
    --momentum --dampening --nesterov --beta1 --beta2 --eps] [--sad-start N] --out DIR
Hyper-parameters default to ZeroDCETrain's (Adam, lr 1e-4, weight decay 1e-4, clip 0.1; SGD
momentum 0.9); the C++ test passes the values of the compiled entry's TrainConfig explicitly.
--train-dtype f64 runs the K steps in float64 instead (to measure PyTorch's own float32 error of
the curve; README.md).
"""

import argparse
import copy
import json
import math
import os
import sys
import time

_T0 = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from make_reference import calibrate, randomize, to_float64  # noqa: E402
from ref_models import build_model, exported_state_dict  # noqa: E402
from safetensors_io import save_file  # noqa: E402
from zero_dce_losses import l_color, l_exp, l_spa, l_tv  # noqa: E402

TERMS = {"zero_dce": ("tv", "spa", "col", "exp"), "sadfpn_unet": ("l1", "ssim", "sad")}

# SSIM (flagship-model.md): 11x11 Gaussian window, sigma 1.5, per channel, valid, data range 1.
SSIM_SIZE, SSIM_SIGMA = 11, 1.5
SSIM_C1, SSIM_C2 = 0.01 ** 2, 0.03 ** 2
SAD_WEIGHT = 0.1

# Zero-DCE: make_reference.py's calibration gives the curve maps A an rms near 0.6, where the
# illumination-smoothness term (200 * TV = 4000) drowns the others (its gradient is 500x col's,
# 3000x exp's); the last conv is scaled down so that A's rms is ~0.05, tv = 23 and the gradients
# of col and exp are ~2% of tv's each (spa's stays ~1e-5 of it: the curves are near identity).
ZERO_DCE_A_GAIN = 0.05


def gaussian_window(dtype):
    c = torch.arange(SSIM_SIZE, dtype=torch.float64) - (SSIM_SIZE - 1) / 2
    g = torch.exp(-c * c / (2 * SSIM_SIGMA ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).to(dtype)


def ssim(y, gt):
    """Mean SSIM over pixels, channels and batch; local statistics by a valid Gaussian window."""
    c = y.shape[1]
    w = gaussian_window(y.dtype).expand(c, 1, SSIM_SIZE, SSIM_SIZE).contiguous()

    def blur(t):
        return F.conv2d(t, w, groups=c)

    mu1, mu2 = blur(y), blur(gt)
    s11 = blur(y * y) - mu1 * mu1
    s22 = blur(gt * gt) - mu2 * mu2
    s12 = blur(y * gt) - mu1 * mu2
    num = (2 * mu1 * mu2 + SSIM_C1) * (2 * s12 + SSIM_C2)
    den = (mu1 * mu1 + mu2 * mu2 + SSIM_C1) * (s11 + s22 + SSIM_C2)
    return (num / den).mean()


def sad(feats):
    """Self-attention distillation over e1..e4: g_i = sum_c e_i^2, bilinearly resized to e1's
    size, softmax over all positions per image; sum_{i=1..3} mean((A_i - detach(A_{i+1}))^2)."""
    h, w = feats[0].shape[-2:]
    maps = []
    for e in feats:
        g = e.pow(2).sum(dim=1, keepdim=True)
        if tuple(g.shape[-2:]) != (h, w):
            g = F.interpolate(g, size=(h, w), mode="bilinear", align_corners=False)
        n = g.shape[0]
        maps.append(torch.softmax(g.reshape(n, -1), dim=1).reshape(n, 1, h, w))
    total = 0
    for i in range(len(maps) - 1):
        total = total + ((maps[i] - maps[i + 1].detach()) ** 2).mean()
    return total


def loss_terms(name, model, batch, step, sad_start):
    """The train entry's loss terms (weighted summands of the total), in declaration order."""
    x = batch["x"]
    if name == "zero_dce":
        enhanced, a, _ = model(x)
        return {"tv": 200.0 * l_tv(a), "spa": l_spa(enhanced, x),
                "col": 5.0 * l_color(enhanced), "exp": 10.0 * l_exp(enhanced)}
    y, e1, e2, e3, e4 = model(x)
    gt = batch["gt"]
    w_sad = SAD_WEIGHT if step >= sad_start else 0.0
    return {"l1": (y - gt).abs().mean(), "ssim": 0.5 * (1 - ssim(y, gt)),
            "sad": w_sad * sad([e1, e2, e3, e4])}


def total_of(terms):
    total = None
    for v in terms.values():
        total = v if total is None else total + v
    return total


def make_optimizer(args, params):
    if args.optimizer == "sgd":
        return torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, dampening=args.dampening,
                               weight_decay=args.weight_decay, nesterov=args.nesterov)
    cls = torch.optim.AdamW if args.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=args.lr, betas=(args.beta1, args.beta2), eps=args.eps,
               weight_decay=args.weight_decay)


def rel_norm(a, ref):
    """||a - ref|| / ||ref|| in float64 (0 when both vanish)."""
    a, ref = a.double(), ref.double()
    d, r = float((a - ref).norm()), float(ref.norm())
    return d / r if r > 0 else (0.0 if d == 0 else math.inf)


def float64_check(args, model, batch, terms32, grads32):
    """PyTorch's own float32 error at step 0: the same loss and gradients in float64. Returns the
    errors (JSON-able) and the float64 tensors by name ("loss", "loss.<term>", "grad.<param>")."""
    m64 = to_float64(model).train()
    b64 = {k: v.double() for k, v in batch.items()}
    terms = loss_terms(args.model, m64, b64, 0, args.sad_start)
    total = total_of(terms)
    total.backward()
    tensors = {"loss": total.detach().reshape(1)}
    tensors.update({f"loss.{k}": v.detach().reshape(1) for k, v in terms.items()})
    err = {"loss": rel_norm(total_of(terms32).detach(), total.detach()),
           "terms": {k: rel_norm(terms32[k].detach(), v.detach()) for k, v in terms.items()},
           "grads": {}}
    for n, p in m64.named_parameters():
        if p.grad is not None and n in grads32:
            tensors[f"grad.{n}"] = p.grad.detach()
            err["grads"][n] = float(f"{rel_norm(grads32[n], p.grad):.3g}")
    worst = max(err["grads"].items(), key=lambda kv: kv[1]) if err["grads"] else ("", 0.0)
    err["worst_grad"] = {"param": worst[0], "rel": worst[1]}
    err["loss"] = float(f"{err['loss']:.3g}")
    err["terms"] = {k: float(f"{v:.3g}") for k, v in err["terms"].items()}
    return err, tensors


def train_curve(args, model, batch):
    """K optimizer steps on the same batch in the model's dtype: the loss curve (each step's loss
    before its update, as Python floats), step 0's terms and gradients, the state after step 0."""
    dtype = next(model.parameters()).dtype
    batch = {k: v.to(dtype) for k, v in batch.items()}
    params = [p for p in model.parameters()]
    opt = make_optimizer(args, params)
    curve = {"loss": []}
    curve.update({f"loss.{k}": [] for k in TERMS[args.model]})
    terms0, grads0, after1 = None, None, None
    for k in range(args.steps):
        opt.zero_grad(set_to_none=True)
        terms = loss_terms(args.model, model, batch, k, args.sad_start)
        total = total_of(terms)
        total.backward()
        if k == 0:
            terms0 = {n: v.detach().clone() for n, v in terms.items()}
            grads0 = {n: p.grad.detach().clone() for n, p in model.named_parameters()
                      if p.grad is not None}
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(params, args.clip)
        opt.step()
        if k == 0:
            after1 = {f"step1.{n}": v.detach().clone()
                      for n, v in exported_state_dict(model).items()}
        curve["loss"].append(float(total.detach()))
        for n, v in terms.items():
            curve[f"loss.{n}"].append(float(v.detach()))
    return curve, terms0, grads0, after1


def make_case(name, seed, batch, h, w):
    """The case's seeded model (float32, eval mode) and batch: make_reference.py's weights (plus
    Zero-DCE's A gain), "x" (and "gt" for the flagship) uniform in [0, 1)."""
    torch.manual_seed(seed)
    model = randomize(build_model(name), seed).eval()
    torch.set_num_threads(1)  # as make_reference.py: the calibration is tiny
    calibrate(model, seed)
    if name == "zero_dce":
        with torch.no_grad():
            model.e_conv7.weight.mul_(ZERO_DCE_A_GAIN)
            model.e_conv7.bias.mul_(ZERO_DCE_A_GAIN)
    gx = torch.Generator().manual_seed(seed + 1_000_003)
    data = {"x": torch.rand((batch, 3, h, w), generator=gx, dtype=torch.float32)}
    if name == "sadfpn_unet":
        gg = torch.Generator().manual_seed(seed + 2_000_003)
        data["gt"] = torch.rand((batch, 3, h, w), generator=gg, dtype=torch.float32)
    return model, data


def parse_size(s):
    try:
        h, w = (int(v) for v in s.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size wants HxW, got {s!r}")
    return h, w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, choices=sorted(TERMS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--size", type=parse_size, default=(64, 64), help="HxW (default 64x64)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--optimizer", choices=("adam", "adamw", "sgd"), default="adam")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--clip", type=float, default=0.1, help="clip_grad_norm_ max norm; 0 = none")
    ap.add_argument("--momentum", type=float, default=0.9, help="SGD")
    ap.add_argument("--dampening", type=float, default=0.0, help="SGD")
    ap.add_argument("--nesterov", action="store_true", help="SGD")
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--sad-start", type=int, default=1000,
                    help="flagship: SAD's weight is 0.1 from this step on, 0 before")
    ap.add_argument("--f64", choices=("on", "off"), default="on", help="the float64 step-0 check")
    ap.add_argument("--train-dtype", choices=("f32", "f64"), default="f32",
                    help="f64 runs the K steps in float64 (to measure PyTorch's own float32 error "
                         "of the curve; the step-0 files are then float64 too)")
    ap.add_argument("--curve-f64", choices=("on", "off"), default="off",
                    help="also run the K steps in float64 (same start) and write that curve as "
                         "f64.loss, f64.loss.<term> into curve.safetensors")
    ap.add_argument("--threads", type=int, default=1,
                    help="PyTorch threads (default 1: with 2, its float32 gradients behind a "
                         "BatchNorm are ~100x less accurate; README.md)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    h, w = args.size
    if args.batch < 1 or args.steps < 1 or h < 1 or w < 1:
        ap.error("--batch, --steps and --size must be positive")
    if args.model == "sadfpn_unet" and (h % 16 or w % 16 or h < 16 or w < 16):
        ap.error(f"the flagship needs H and W multiples of 16, got {h}x{w}")
    if args.model == "zero_dce" and (h % 16 or w % 16):
        ap.error(f"ZeroDCETrain needs H and W multiples of 16, got {h}x{w}")
    torch.set_num_threads(args.threads)
    t_import = time.perf_counter() - _T0

    t = time.perf_counter()
    model, batch = make_case(args.model, args.seed, args.batch, h, w)
    torch.set_num_threads(args.threads)
    initial = {k: v.detach().clone() for k, v in exported_state_dict(model).items()}
    model.train()
    t_build = time.perf_counter() - t

    # Float64 reference of step 0 (and of the curve), from a copy taken before any update.
    model_at_0 = copy.deepcopy(model) if args.f64 == "on" or args.curve_f64 == "on" else None

    t = time.perf_counter()
    if args.train_dtype == "f64":
        model = to_float64(model).train()
    curve, terms0, grads0, after1 = train_curve(args, model, batch)
    t_train = time.perf_counter() - t
    curve64 = None
    if args.curve_f64 == "on":
        torch.set_num_threads(1)  # float64 runs on the reference BLAS
        curve64, _, _, _ = train_curve(args, to_float64(copy.deepcopy(model_at_0)).train(), batch)
        torch.set_num_threads(args.threads)

    t = time.perf_counter()
    f64, f64_tensors = None, None
    if args.f64 == "on":
        torch.set_num_threads(1)  # float64 runs on the reference BLAS: one thread avoids barriers
        f64, f64_tensors = float64_check(args, model_at_0, batch, terms0, grads0)
        torch.set_num_threads(args.threads)
    t_f64 = time.perf_counter() - t

    os.makedirs(args.out, exist_ok=True)
    hyper = {"optimizer": args.optimizer, "lr": args.lr, "weight_decay": args.weight_decay,
             "clip": args.clip, "steps": args.steps}
    if args.optimizer == "sgd":
        hyper.update(momentum=args.momentum, dampening=args.dampening, nesterov=args.nesterov)
    else:
        hyper.update(beta1=args.beta1, beta2=args.beta2, eps=args.eps)
    meta = {"model": args.model, "seed": str(args.seed), "batch": str(args.batch),
            "size": f"{h}x{w}", "sad_start": str(args.sad_start), "hyper": json.dumps(hyper),
            "generator": "tests/parity/train_reference.py", "torch": torch.__version__}
    save_file({k: v.numpy() for k, v in initial.items()},
              os.path.join(args.out, "weights.safetensors"), metadata=meta)
    save_file({k: v.numpy() for k, v in batch.items()},
              os.path.join(args.out, "inputs.safetensors"), metadata=meta)
    expected = {"loss": total_of(terms0).reshape(1).numpy()}
    expected.update({f"loss.{n}": v.reshape(1).numpy() for n, v in terms0.items()})
    expected.update({f"grad.{n}": g.numpy() for n, g in grads0.items()})
    save_file(expected, os.path.join(args.out, "expected.safetensors"),
              metadata={**meta, "torch_f32_vs_f64": json.dumps(f64 or {})})
    f64_path = os.path.join(args.out, "expected_f64.safetensors")
    if f64_tensors is not None:
        save_file({k: v.numpy() for k, v in f64_tensors.items()}, f64_path, metadata=meta)
    elif os.path.exists(f64_path):
        os.remove(f64_path)  # stale from an earlier case
    final = {k: v.detach().numpy() for k, v in exported_state_dict(model).items()}
    final.update({k: v.numpy() for k, v in after1.items()})
    final.update({k: torch.tensor(v, dtype=torch.float32).numpy() for k, v in curve.items()})
    if curve64 is not None:
        final.update({f"f64.{k}": torch.tensor(v, dtype=torch.float64).numpy()
                      for k, v in curve64.items()})
    save_file(final, os.path.join(args.out, "curve.safetensors"), metadata=meta)

    loss0 = curve["loss"][0]
    summary = {
        "model": args.model, "size": [h, w], "batch": args.batch, "out": args.out, **hyper,
        "loss0": loss0, "terms0": {n: float(v) for n, v in terms0.items()},
        "curve_first_last": [curve["loss"][0], curve["loss"][-1]],
        "curve_rel_change": abs(curve["loss"][-1] - loss0) / abs(loss0) if loss0 else 0.0,
        "torch_f32_vs_f64": ({"loss": f64["loss"], "terms": f64["terms"],
                              "worst_grad": f64["worst_grad"]} if f64 else None),
        "seconds": {"import": round(t_import, 2), "build": round(t_build, 2),
                    "train": round(t_train, 2), "f64": round(t_f64, 2),
                    "total": round(time.perf_counter() - _T0, 2)},
    }
    print(json.dumps(summary, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
