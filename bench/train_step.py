#!/usr/bin/env python3
"""Training-step benchmark: one flagship step (forward, the SADFPNTrain loss with SAD on,
backward, Adam) at batch B and S x S, llie next to PyTorch eager (Debian's python3-torch 1.13,
same oneDNN), in one run, same threads. Each side runs in its own process so that peak RSS is
its own; time is the median step after warm-up.

    /usr/bin/python3 bench/train_step.py [--batch 4] [--size 256] [--steps 6] [--threads 2]

llie's side is `llie-run models/sadfpn_unet.llie train` on the bundled data (scripts/
make_dataset.sh data/), its step times read from the run's log.jsonl (data loading overlaps
the step in a background thread, as in real training). PyTorch trains SadFpnUnet from
tests/parity/ref_models.py on random tensors of the same shape with the same loss.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def torch_side(args):
    import torch
    sys.path.insert(0, os.path.join(REPO, "tests", "parity"))
    from ref_models import SadFpnUnet
    from train_reference import loss_terms, total_of
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = SadFpnUnet().train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = {"x": torch.rand(args.batch, 3, args.size, args.size),
             "gt": torch.rand(args.batch, 3, args.size, args.size)}
    times = []
    for step in range(args.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = total_of(loss_terms("sadfpn_unet", model, batch, step, 0))
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"step_s": statistics.median(times[1:]), "rss_mb": rss}))


def llie_side(args):
    with tempfile.TemporaryDirectory() as out:
        cmd = [os.path.join(REPO, os.environ.get("LLIE_BUILD", "build"), "llie-run"), os.path.join(REPO, "models", "sadfpn_unet.llie"),
               "train", "--data", os.path.join(REPO, "data"), "--batch", str(args.batch),
               "--crop", str(args.size), "--steps", str(args.steps), "--eval-max", "1",
               "--set", "sad_start=0", "--out", os.path.join(out, "run")]
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        t = "/usr/bin/time"
        full = ([t, "-f", "RSS_KB %M"] if os.path.exists(t) else []) + cmd
        p = subprocess.run(full, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("llie-run failed:\n" + p.stderr[-2000:])
        rss = None
        for line in p.stderr.splitlines():
            if line.startswith("RSS_KB"):
                rss = int(line.split()[1]) / 1024
        recs = [json.loads(l) for l in open(os.path.join(out, "run", "log.jsonl"))]
        steps = [r for r in recs if r.get("type") == "train"]
        per = [args.batch / r["images_per_s"] for r in steps[1:]] if "images_per_s" in steps[0] else []
        return {"step_s": statistics.median(per), "rss_mb": rss}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--torch-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_only:
        return torch_side(args)
    llie = llie_side(args)
    p = subprocess.run([sys.executable, __file__, "--torch-only", "--batch", str(args.batch),
                        "--size", str(args.size), "--steps", str(args.steps),
                        "--threads", str(args.threads)],
                       env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)),
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("torch side failed:\n" + p.stderr[-2000:])
    torch_r = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"flagship training step, batch {args.batch}, {args.size}x{args.size}, Adam, "
          f"{args.threads} threads (median of {args.steps - 1} steps)")
    print(f"  llie          {llie['step_s']:7.2f} s   peak RSS {llie['rss_mb']:7.0f} MB")
    print(f"  PyTorch eager {torch_r['step_s']:7.2f} s   peak RSS {torch_r['rss_mb']:7.0f} MB")
    print(f"  speed-up {torch_r['step_s'] / llie['step_s']:.2f}x, "
          f"RSS ratio {llie['rss_mb'] / torch_r['rss_mb']:.2f}")


if __name__ == "__main__":
    main()
