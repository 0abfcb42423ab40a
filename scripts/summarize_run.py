#!/usr/bin/env python3
"""Summaries for the main job.

summarize_run.py LOG.jsonl
    prints a training run's held-out PSNR/SSIM: of the dark inputs, of the model before
    training (step 0) and after it (the last evaluation), and the gain.
summarize_run.py --brightness INPUT_DIR OUTPUT_DIR
    prints the mean intensity of each photo before and after enhancement (and whether any
    output holds a NaN-like blank), for zero-reference models such as Zero-DCE.
"""
import json
import os
import sys


def training(log):
    evals = [r for r in map(json.loads, open(log)) if r.get("type") == "eval"]
    if not evals:
        sys.exit(f"{log}: no eval records")
    first, last = evals[0], evals[-1]
    base_psnr = first.get("input_psnr", first.get("baseline_psnr"))
    base_ssim = first.get("input_ssim", first.get("baseline_ssim"))
    print(f"flagship, held-out pairs: dark inputs PSNR {base_psnr:.2f} dB SSIM {base_ssim:.3f}; "
          f"untrained PSNR {first['psnr']:.2f} dB; after {last['step']} steps "
          f"PSNR {last['psnr']:.2f} dB SSIM {last['ssim']:.3f} "
          f"(+{last['psnr'] - base_psnr:.2f} dB over the inputs)")


def brightness(inp, outp):
    import numpy as np
    from PIL import Image
    for name in sorted(os.listdir(inp)):
        stem = os.path.splitext(name)[0]
        outs = [f for f in os.listdir(outp) if os.path.splitext(f)[0] == stem]
        if not outs:
            continue
        a = np.asarray(Image.open(os.path.join(inp, name)).convert("RGB"), dtype=np.float64) / 255
        b = np.asarray(Image.open(os.path.join(outp, outs[0])).convert("RGB"), dtype=np.float64) / 255
        print(f"zero-dce {name}: mean intensity {a.mean():.3f} -> {b.mean():.3f}"
              f"{'  (finite)' if np.isfinite(b).all() else '  (NOT FINITE)'}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--brightness":
        brightness(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        training(sys.argv[1])
    else:
        sys.exit(__doc__)
