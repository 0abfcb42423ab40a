"""Compare outputs against a reference case made by make_reference.py (the parity verdict).

Two uses:
  compare.py DIR --actual OUT.safetensors   checks every tensor of DIR/expected.safetensors
      against the same name in OUT (for example what llie wrote for DIR/input.safetensors with
      DIR/weights.safetensors): pass when |actual - expected| <= atol + rtol * |expected|
      everywhere (NaN fails; "nonfinite" counts NaN/inf errors, max_abs is over the rest). Also reports the error against DIR/expected_f64.safetensors when
      that exists, to put the number next to PyTorch's own float32 error.
  compare.py DIR --torch                    reloads weights and input from the files into the
      PyTorch reference model and reruns it: a round-trip check of the files themselves.
Prints one JSON line; exit status 0 on pass, 1 on mismatch, 2 on usage or file errors.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from safetensors_io import load_file, load_metadata  # noqa: E402


def _num(v):
    """A float for JSON; NaN and infinities as strings (strict JSON has no NaN)."""
    v = float(v)
    return v if np.isfinite(v) else str(v)


def compare_tensors(expected, actual, atol, rtol, names=None):
    report = {}
    ok = True
    for k in names or sorted(expected):
        e = expected[k].astype(np.float64)
        if k not in actual:
            report[k] = {"error": "missing"}
            ok = False
            continue
        a = actual[k].astype(np.float64)
        if a.shape != e.shape:
            report[k] = {"error": f"shape {list(a.shape)} != expected {list(e.shape)}"}
            ok = False
            continue
        d = np.abs(a - e)
        bad = ~(d <= atol + rtol * np.abs(e))  # NaN counts as bad
        scale = float(np.nanmax(np.abs(e))) if e.size else 0.0
        finite = d[np.isfinite(d)]
        dmax = float(finite.max()) if finite.size else 0.0
        r = {"max_abs": dmax, "max_rel": dmax / scale if scale > 0 else 0.0,
             "nonfinite": int(d.size - finite.size), "mismatches": int(bad.sum()), "pass": not bad.any()}
        if bad.any():
            idx = np.unravel_index(int(np.argmax(np.where(bad, d, -1))), d.shape)
            r["worst_at"] = [int(i) for i in idx]
            r["worst"] = {"actual": _num(a[idx]), "expected": _num(e[idx])}
        ok &= r["pass"]
        report[k] = r
    return ok, report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="reference case directory from make_reference.py")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--actual", help="safetensors file with the outputs to check")
    g.add_argument("--torch", action="store_true", help="rerun PyTorch from the files")
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--rtol", type=float, default=1e-4)
    args = ap.parse_args()

    try:
        exp_path = os.path.join(args.dir, "expected.safetensors")
        expected = load_file(exp_path)
        meta = load_metadata(exp_path)
        if args.torch:
            actual = rerun_torch(args.dir, meta)
        else:
            actual = load_file(args.actual)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(json.dumps({"pass": False, "error": str(e)}))
        return 2

    ok, report = compare_tensors(expected, actual, args.atol, args.rtol)
    summary = {"pass": ok, "model": meta.get("model"), "atol": args.atol, "rtol": args.rtol,
               "outputs": report}
    f64_path = os.path.join(args.dir, "expected_f64.safetensors")
    if os.path.exists(f64_path) and not args.torch:
        _, r64 = compare_tensors(load_file(f64_path), actual, args.atol, args.rtol, names=sorted(expected))
        summary["vs_f64"] = {k: {kk: v[kk] for kk in ("max_abs", "max_rel") if kk in v} for k, v in r64.items()}
    if "torch_f32_vs_f64" in meta:
        summary["torch_f32_vs_f64"] = json.loads(meta["torch_f32_vs_f64"])
    print(json.dumps(summary, separators=(",", ":")))
    return 0 if ok else 1


def rerun_torch(case_dir, meta):
    import torch

    from ref_models import OUTPUT_NAMES, build_model, enhance_padded
    torch.set_num_threads(2)
    name = meta["model"]
    model = build_model(name).eval()
    weights = {k: torch.from_numpy(v) for k, v in load_file(os.path.join(case_dir, "weights.safetensors")).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise KeyError(f"weights: missing {missing}, unexpected {unexpected}")
    x = torch.from_numpy(load_file(os.path.join(case_dir, "input.safetensors"))["x"])
    with torch.no_grad():
        if meta.get("padded") == "true":
            return {"y": enhance_padded(model, x).numpy()}
        return {k: v.numpy() for k, v in zip(OUTPUT_NAMES[name], model(x))}


if __name__ == "__main__":
    sys.exit(main())
