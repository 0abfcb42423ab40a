#!/usr/bin/env python3
"""GPU benchmark: llie's cuda backend next to PyTorch eager on CUDA, in one run on one GPU.

    python3 bench/gpu_bench.py [--iters 20] [--warmup 5] [--steps 12] [--batch 16]
                               [--crop 256] [--size 1088x1920] [--peak-tflops T]

Two cases, each run by both engines in their own processes:
  - flagship (SADFPN-UNet) inference at 1 x 3 x 1088 x 1920: `llie-run models/sadfpn_unet.llie
    bench --backend cuda` (median of --iters runs after --warmup; its time includes copying the
    input to the GPU and the output back) against PyTorch eager in inference mode, timed both
    with the copies (as llie) and on GPU-resident tensors;
  - one flagship training step (forward, the SADFPNTrain loss with SAD on, backward, Adam) at
    batch 16, 256 x 256: `llie-run ... train --backend cuda` on a synthetic paired dataset this
    script writes (random PNGs; llie's step time from the times in its log.jsonl, data loading
    overlapping the step as in real training) against PyTorch eager on random GPU tensors (median step).

For each it prints the times, the ratio, and the achieved fraction of the GPU's fp32 peak
(non-tensor-core FMA: SMs x fp32 lanes per SM x 2 x the maximum SM clock, from
torch.cuda.get_device_properties and nvidia-smi, or --peak-tflops). FLOPs are counted as
2 x the model's multiply-accumulates in convolutions (make_reference.calibrate, the counter
bench/torch_reference.py uses); a training step is counted as 3 x the forward's (forward,
input gradients, weight gradients), an estimate that leaves out the loss and the optimizer.

PyTorch with CUDA is looked for in: $TORCH_PYTHON, this interpreter, /usr/bin/python3,
python3 on the PATH, /opt/conda/bin/python, /usr/local/bin/python3. Without a GPU, without
a PyTorch that sees it, or with an llie build without the cuda backend, the script stops with
a message saying which (exit status 2). LLIE_BUILD=DIR picks a build folder other than build/.
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARITY = os.path.join(REPO, "tests", "parity")
MODEL = os.path.join(REPO, "models", "sadfpn_unet.llie")
# fp32 lanes per SM by compute capability (CUDA C Programming Guide, arithmetic throughput).
FP32_PER_SM = {(7, 0): 64, (7, 5): 64, (8, 0): 64, (8, 6): 128, (8, 7): 128, (8, 9): 128,
               (9, 0): 128, (10, 0): 128, (12, 0): 128}


def die(msg):
    sys.stderr.write("gpu_bench: " + msg + "\n")
    sys.exit(2)


# ---------------------------------------------------------------- finding the pieces

PROBE = ("import json, torch; ok = torch.cuda.is_available(); "
         "p = torch.cuda.get_device_properties(0) if ok else None; "
         "print(json.dumps({'torch': torch.__version__, 'cuda': ok, "
         "'name': p.name if ok else None, 'sms': p.multi_processor_count if ok else None, "
         "'cc': [p.major, p.minor] if ok else None}))")


def find_torch_python():
    cands = [os.environ.get("TORCH_PYTHON"), sys.executable, "/usr/bin/python3",
             shutil.which("python3"), "/opt/conda/bin/python", "/usr/local/bin/python3"]
    seen, tried = set(), []
    for c in cands:
        if not c or c in seen or not os.path.exists(c):
            continue
        seen.add(c)
        try:
            p = subprocess.run([c, "-c", PROBE], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            tried.append(f"{c}: {e}")
            continue
        if p.returncode != 0:
            tried.append(f"{c}: no torch ({(p.stderr.strip().splitlines() or ['?'])[-1]})")
            continue
        info = json.loads(p.stdout.strip().splitlines()[-1])
        if info["cuda"]:
            return c, info
        tried.append(f"{c}: torch {info['torch']} sees no CUDA device")
    die("no Python with a CUDA-enabled PyTorch that sees a GPU was found:\n  " +
        "\n  ".join(tried or ["(no interpreter found)"]) +
        "\nset TORCH_PYTHON=/path/to/python to choose one")


def max_sm_clock_mhz():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None
    p = subprocess.run([smi, "--query-gpu=clocks.max.sm", "--format=csv,noheader,nounits",
                        "-i", "0"], capture_output=True, text=True)
    try:
        return float(p.stdout.strip().splitlines()[0])
    except (ValueError, IndexError):
        return None


def peak_tflops(info, override):
    if override:
        return override, "given with --peak-tflops"
    lanes = FP32_PER_SM.get(tuple(info["cc"]))
    mhz = max_sm_clock_mhz()
    if lanes and mhz:
        t = info["sms"] * lanes * 2 * mhz * 1e6 / 1e12
        return t, f"{info['sms']} SMs x {lanes} fp32 lanes x 2 x {mhz:.0f} MHz"
    return None, "unknown (pass --peak-tflops)"


def llie_run():
    path = os.path.join(REPO, os.environ.get("LLIE_BUILD", "build"), "llie-run")
    if not os.path.exists(path):
        die(f"{path} not found: build llie first (cmake with -DLLIE_CUDA=ON), or set LLIE_BUILD")
    p = subprocess.run([path, MODEL, "--backend", "cuda", "bench", "--size", "64x64", "--iters",
                        "1", "--warmup", "0"], capture_output=True, text=True)
    if p.returncode != 0:
        die("llie-run cannot run on cuda: " + (p.stderr.strip() or p.stdout.strip())[-1500:])
    return path


# ---------------------------------------------------------------- PyTorch side (own process)

def torch_model(seed):
    import torch
    sys.path.insert(0, PARITY)
    from make_reference import calibrate, randomize
    from ref_models import build_model
    torch.manual_seed(seed)
    model = randomize(build_model("sadfpn_unet"), seed)
    macs_per_px = calibrate(model.eval(), seed)
    return model, macs_per_px


def torch_infer(args):
    import torch
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as llie's cuda backend
    torch.backends.cudnn.allow_tf32 = False
    model, macs_per_px = torch_model(0)
    model = model.eval().cuda()
    h, w = args.size
    xh = torch.rand((1, 3, h, w), generator=torch.Generator().manual_seed(1)).pin_memory()
    xd = xh.cuda()

    def timed(fn):
        times = []
        for i in range(args.warmup + args.iters):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            torch.cuda.synchronize()
            if i >= args.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)

    with torch.inference_mode():
        e2e = timed(lambda: model(xh.cuda(non_blocking=True))[0].cpu())
        dev = timed(lambda: model(xd))
    print(json.dumps({"e2e_ms": e2e, "device_ms": dev, "gmac": macs_per_px * h * w / 1e9}))


def torch_train(args):
    import torch
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sys.path.insert(0, PARITY)
    import train_reference as tr
    window = tr.gaussian_window
    tr.gaussian_window = lambda dtype: window(dtype).cuda()  # the SSIM window on the GPU
    model, macs_per_px = torch_model(0)
    model = model.train().cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(2)
    shape = (args.batch, 3, args.crop, args.crop)
    batch = {"x": torch.rand(shape, generator=g).cuda(), "gt": torch.rand(shape, generator=g).cuda()}
    times = []
    for step in range(args.steps):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = tr.total_of(tr.loss_terms("sadfpn_unet", model, batch, step, 0))
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"step_s": statistics.median(times[2:]),
                      "gmac_fwd": macs_per_px * args.batch * args.crop * args.crop / 1e9,
                      "peak_mem_mb": torch.cuda.max_memory_allocated() / 2**20}))


def run_torch(py, mode, args):
    cmd = [py, os.path.abspath(__file__), "--torch-" + mode, "--iters", str(args.iters),
           "--warmup", str(args.warmup), "--steps", str(args.steps), "--batch", str(args.batch),
           "--crop", str(args.crop), "--size", f"{args.size[0]}x{args.size[1]}"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"the PyTorch {mode} side failed:\n" + p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- llie side

def write_png(path, w, h, rgb):
    """An 8-bit RGB PNG from `rgb` (bytes, row-major, 3 per pixel), with zlib only."""
    raw = b"".join(b"\x00" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))


def make_dataset(root, pairs, side):
    """`pairs` paired random images (low darker than high) of side x side in root/low, root/high."""
    for sub in ("low", "high"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for i in range(pairs):
        high = os.urandom(side * side * 3)
        low = bytes(b // 4 for b in high)
        write_png(os.path.join(root, "high", f"{i:03d}.png"), side, side, high)
        write_png(os.path.join(root, "low", f"{i:03d}.png"), side, side, low)


def llie_infer(exe, args):
    h, w = args.size
    p = subprocess.run([exe, MODEL, "--backend", "cuda", "bench", "--size", f"{h}x{w}", "--iters",
                        str(args.iters), "--warmup", str(args.warmup)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        die("llie-run bench on cuda failed:\n" + p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])["median_ms"]


def llie_train(exe, args):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        make_dataset(data, max(2 * args.batch, 8), args.crop + 32)
        cmd = [exe, MODEL, "--backend", "cuda", "train", "--data", data, "--batch",
               str(args.batch), "--crop", str(args.crop), "--steps", str(args.steps),
               "--set", "sad_start=0", "--out", os.path.join(tmp, "run")]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            die("llie-run train on cuda failed:\n" + p.stderr[-3000:])
        recs = [json.loads(l) for l in open(os.path.join(tmp, "run", "log.jsonl"))]
        t = [r["time_s"] for r in recs if r.get("type") == "train" and "time_s" in r]
        if len(t) < 4:
            die(f"llie-run train logged {len(t)} steps with times; raise --steps")
        # Step k's time: the wall time between the ends of steps k-1 and k (the first two left
        # out as warm-up, as on the PyTorch side).
        return statistics.median(b - a for a, b in zip(t[1:], t[2:]))


# ---------------------------------------------------------------- main

def parse_size(text):
    h, w = text.lower().split("x")
    return int(h), int(w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--size", type=parse_size, default=(1088, 1920), help="HxW of inference")
    ap.add_argument("--peak-tflops", type=float, default=None)
    ap.add_argument("--torch-infer", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--torch-train", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_infer:
        return torch_infer(args)
    if args.torch_train:
        return torch_train(args)

    py, info = find_torch_python()
    exe = llie_run()
    peak, how = peak_tflops(info, args.peak_tflops)
    print(f"GPU: {info['name']} (compute {info['cc'][0]}.{info['cc'][1]}), fp32 peak "
          + (f"{peak:.1f} TFLOP/s ({how})" if peak else how))
    print(f"PyTorch {info['torch']} from {py}; llie from {exe}")

    def frac(gflop, seconds):
        tf = gflop / seconds / 1e3
        return f"{tf:6.2f} TFLOP/s" + (f" = {100 * tf / peak:5.1f}% of peak" if peak else "")

    h, w = args.size
    li = llie_infer(exe, args)
    ti = run_torch(py, "infer", args)
    gflop = 2 * ti["gmac"]
    print(f"\nflagship inference 1x3x{h}x{w} (median of {args.iters}, {gflop:.1f} GFLOP)")
    print(f"  llie cuda (copies in/out)   {li:9.2f} ms  {frac(gflop, li / 1e3)}")
    print(f"  PyTorch eager (copies)      {ti['e2e_ms']:9.2f} ms  {frac(gflop, ti['e2e_ms'] / 1e3)}")
    print(f"  PyTorch eager (on GPU)      {ti['device_ms']:9.2f} ms  "
          f"{frac(gflop, ti['device_ms'] / 1e3)}")
    print(f"  llie vs PyTorch (copies)    {ti['e2e_ms'] / li:9.2f}x faster")

    lt = llie_train(exe, args)
    tt = run_torch(py, "train", args)
    gflop = 3 * 2 * tt["gmac_fwd"]
    print(f"\nflagship training step, batch {args.batch}, {args.crop}x{args.crop}, Adam, SAD on "
          f"(median of {args.steps - 2} steps, ~{gflop:.0f} GFLOP = 3x forward)")
    print(f"  llie cuda                   {lt * 1e3:9.2f} ms  {frac(gflop, lt)}")
    print(f"  PyTorch eager               {tt['step_s'] * 1e3:9.2f} ms  {frac(gflop, tt['step_s'])}"
          f"  (peak allocated {tt['peak_mem_mb']:.0f} MiB)")
    print(f"  llie vs PyTorch             {tt['step_s'] / lt:9.2f}x faster")


if __name__ == "__main__":
    main()
