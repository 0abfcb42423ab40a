"""PyTorch CPU baseline timings for the flagship SAD-FPN U-Net and Zero-DCE, for llie to beat.

For each configuration (model, height x width) every runner is timed in its own fresh
subprocess, so the peak RSS (getrusage ru_maxrss) is that configuration's alone: a warm-up, then
the median (and minimum) of N timed forward passes at batch 1 on 2 threads (the JSON also has
the first call's time and the process CPU time per timed run). Built-in runners
(rows named torch-<mode>):
  eager   the nn.Module from tests/parity/ref_models.py under torch.inference_mode()
  script  torch.jit.trace + torch.jit.freeze
  best    torch.jit.trace + torch.jit.freeze + torch.jit.optimize_for_inference (oneDNN prepack)
  pypi-eager, pypi-compile
          the same nn.Module eager, or under torch.compile (Inductor's default mode, compiled
          during the warm-up), run by another interpreter with a current torch from PyPI
          (--pypi-python; bench/pypi_envs.sh makes one)
  ort     onnxruntime (CPU provider, all graph optimisations) on the model exported with
          torch.onnx.export in a process of its own (so the row's RSS is onnxruntime's alone);
          needs `onnxruntime` importable next to Debian's torch, e.g. a venv made with
          `/usr/bin/python3 -m venv --system-site-packages V && V/bin/pip install onnxruntime`,
          then run this script with V/bin/python
Weights are the seeded random ones of tests/parity/make_reference.py. Other engines (llie) plug
in as more rows: a Runner(name, fn) whose fn(config, opts) returns a dict with at least
"median_ms" (see Runner and run_measured below), passed as main(extra_runners=[...]); every row
is printed with its speedup against torch-eager and torch-best (reference median / row median,
so > 1 means faster than PyTorch). Example from another script:
    sys.path.insert(0, "<repo>/bench"); import torch_reference as tr
    tr.main(extra_runners=[tr.Runner("llie", my_fn)])
Usage: /usr/bin/python3 bench/torch_reference.py [--flagship 256x256,512x384] [--zero-dce 512x384]
       [--runners eager,best] [--warmup 3] [--runs 10] [--threads 2] [--json out.json|-]
       [--cmd 'llie={repo}/build/llie-run {repo}/models/{model}.llie bench --size {height}x{width}
              --warmup {warmup} --iters {runs}']
Sizes are HEIGHTxWIDTH (as in `llie-run MODEL bench --size HxW`): the input is [1, 3, H, W].
With --rounds K every (configuration, runner) pair is timed K times, round-robin (each round runs
every row once, in order), and a row reports the median of its K round medians, the minimum over
all rounds and the largest peak RSS: on a shared machine whose speed drifts over minutes, every
row then sees the same slow and fast spells, and the ratios stay fair.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARITY_DIR = os.path.join(REPO_ROOT, "tests", "parity")
TORCH_MODES = ("eager", "script", "best", "ort", "pypi-eager", "pypi-compile")


@dataclass(frozen=True)
class Config:
    model: str  # "sadfpn_unet" or "zero_dce" (tests/parity/ref_models.py names)
    height: int
    width: int

    @property
    def size(self):
        return f"{self.height}x{self.width}"


@dataclass
class Runner:
    """A benchmark row source. fn(config, opts) -> dict with "median_ms" and optionally "min_ms",
    "first_ms", "runs", "peak_rss_mb", "note"; or {"error": "..."} when it cannot run.
    opts is the parsed argparse namespace (warmup, runs, threads, seed)."""
    name: str
    fn: callable
    models: tuple = ()  # models it supports; empty = all

    def supports(self, config):
        return not self.models or config.model in self.models


@dataclass
class Result:
    config: Config
    runner: str
    data: dict = field(default_factory=dict)


def run_measured(cmd, env=None, timeout=None):
    """Run cmd (a list) as a child process and return (returncode, stdout, stderr, peak_rss_mb,
    wall_s), where peak_rss_mb is that child's own ru_maxrss from wait4 (not the cumulative
    RUSAGE_CHILDREN), so an external engine's binary can be measured the same way."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        killer = threading.Timer(timeout, p.kill) if timeout else None
        if killer:
            killer.start()
        try:
            out = p.stdout.read()
        finally:
            _, status, ru = os.wait4(p.pid, 0)
            if killer:
                killer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
            p.stdout.close()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return p.returncode, out.decode(errors="replace"), stderr, ru.ru_maxrss / 1024.0, time.perf_counter() - t0


def cpu_busy(seconds=1.0):
    """Fraction of all CPUs busy over the next `seconds` (from /proc/stat), or None off Linux.
    Other work on the machine inflates 2-thread timings badly: an OpenMP barrier waits for a
    descheduled thread."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(t) for t in f.readline().split()[1:9]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    try:
        t1, i1 = sample()
        time.sleep(seconds)
        t2, i2 = sample()
    except (OSError, ValueError):
        return None
    return round(1.0 - (i2 - i1) / max(t2 - t1, 1), 2)


def _last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in output")


def torch_runner(mode):
    """A Runner timing PyTorch in `mode` (eager, script, best) in a fresh worker subprocess."""

    def fn(config, opts):
        python = sys.executable
        if mode.startswith("pypi-"):
            if not opts.pypi_python:
                return {"error": "the pypi-* runners need --pypi-python (bench/pypi_envs.sh)"}
            python = opts.pypi_python
        cmd = [python, os.path.abspath(__file__), "--worker", config.model, str(config.height),
               str(config.width), mode, str(opts.warmup), str(opts.runs), str(opts.threads), str(opts.seed)]
        if mode == "ort":  # export first, in a process of its own, so the row's RSS is ORT's
            tmp = tempfile.TemporaryDirectory()
            path = os.path.join(tmp.name, "model.onnx")
            rc, out, err, _, _ = run_measured(
                [sys.executable, os.path.abspath(__file__), "--export", config.model,
                 str(config.height), str(config.width), str(opts.seed), path], timeout=opts.timeout)
            if rc != 0:
                return {"error": f"ONNX export exit {rc}: {err.strip()[-300:]}"}
            cmd += [path, str(_last_json_line(out)["gmac"])]
        rc, out, err, rss, _ = run_measured(cmd, timeout=opts.timeout)
        if rc != 0:
            return {"error": f"worker exit {rc}: {err.strip().splitlines()[-1] if err.strip() else ''}"}
        data = _last_json_line(out)
        data["peak_rss_mb"] = round(max(data.get("peak_rss_mb", 0.0), rss), 1)
        return data

    return Runner("onnxruntime" if mode == "ort" else f"torch-{mode}", fn)


def command_runner(name, template, models=()):
    """A Runner for any program that prints a JSON line with "median_ms" (like `llie-run MODEL
    bench --size HxW`). template is a shell-like string with the placeholders {model}, {height},
    {width}, {warmup}, {runs}, {threads}, {seed}, {repo}; it runs with OMP_NUM_THREADS=threads, and
    its peak RSS comes from wait4. Example:
      command_runner("llie", "{repo}/build/llie-run {repo}/models/{model}.llie bench "
                             "--size {height}x{width} --warmup {warmup} --iters {runs}")"""
    import shlex

    def fn(config, opts):
        fields = {"model": config.model, "height": config.height, "width": config.width,
                  "warmup": opts.warmup, "runs": opts.runs, "threads": opts.threads,
                  "seed": opts.seed, "repo": REPO_ROOT}
        cmd = [part.format(**fields) for part in shlex.split(template)]
        env = dict(os.environ, OMP_NUM_THREADS=str(opts.threads))
        rc, out, err, rss, _ = run_measured(cmd, env=env, timeout=opts.timeout)
        if rc != 0:
            tail = err.strip().splitlines()[-1] if err.strip() else ""
            return {"error": f"exit {rc}: {tail}"}
        data = _last_json_line(out)
        data["peak_rss_mb"] = round(rss, 1)
        return data

    return Runner(name, fn, tuple(models))


def _export_onnx(model_name, height, width, seed, path):
    """Runs in its own process: the seeded model exported to ONNX at [1, 3, H, W]; prints the
    model's GMAC count as JSON."""
    import warnings
    warnings.filterwarnings("ignore")
    sys.path.insert(0, PARITY_DIR)
    import torch
    from make_reference import calibrate, randomize
    from ref_models import build_model
    torch.manual_seed(seed)
    model = randomize(build_model(model_name), seed).eval()
    macs_per_px = calibrate(model, seed)
    x = torch.rand((1, 3, height, width), generator=torch.Generator().manual_seed(seed + 1))
    torch.onnx.export(model, x, path, opset_version=13, input_names=["x"])
    print(json.dumps({"gmac": round(macs_per_px * width * height / 1e9, 3)}))


def _ort_worker(path, gmac, warmup, runs, threads, seed, shape):
    """onnxruntime's side of a worker: time sess.run on the exported model at `path`."""
    import numpy as np
    import onnxruntime as ort
    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    height, width = shape
    x = np.random.default_rng(seed + 1).random((1, 3, height, width), dtype=np.float32)
    times, first = [], None
    for i in range(warmup + runs):
        if i == warmup:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        sess.run(None, {"x": x})
        dt = (time.perf_counter() - t0) * 1e3
        first = dt if first is None else first
        if i >= warmup:
            times.append(dt)
    print(json.dumps({
        "median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3),
        "first_ms": round(first, 3),
        "cpu_ms_per_run": round((time.process_time() - cpu0) * 1e3 / runs, 3), "runs": runs,
        "warmup": warmup, "threads": threads, "gmac": gmac,
        "rss_after_import_mb": round(rss_import, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "onnxruntime": ort.__version__, "loadavg_1m": round(os.getloadavg()[0], 2),
    }))


def _worker(model_name, height, width, mode, warmup, runs, threads, seed, extra=()):
    """Runs inside the subprocess: build, warm up, time, report one JSON line."""
    if mode == "ort":
        return _ort_worker(extra[0], float(extra[1]), warmup, runs, threads, seed, (height, width))
    import warnings
    warnings.filterwarnings("ignore")
    sys.path.insert(0, PARITY_DIR)
    import torch
    torch.set_num_threads(threads)
    from make_reference import calibrate, randomize
    from ref_models import build_model

    rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    torch.manual_seed(seed)
    model = randomize(build_model(model_name), seed).eval()
    macs_per_px = calibrate(model, seed)
    x = torch.rand((1, 3, height, width), generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        if mode in ("eager", "pypi-eager"):
            fwd = model
        elif mode == "pypi-compile":
            fwd = torch.compile(model)
        else:
            fwd = torch.jit.freeze(torch.jit.trace(model, x).eval())
            if mode == "best":
                fwd = torch.jit.optimize_for_inference(fwd)
    times = []
    first = None
    with torch.inference_mode():
        for i in range(warmup + runs):
            if i == warmup:
                cpu0 = time.process_time()
            t0 = time.perf_counter()
            fwd(x)
            dt = (time.perf_counter() - t0) * 1e3
            if first is None:
                first = dt
            if i >= warmup:
                times.append(dt)
        cpu_ms = (time.process_time() - cpu0) * 1e3 / runs
    print(json.dumps({
        "median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3),
        "first_ms": round(first, 3), "cpu_ms_per_run": round(cpu_ms, 3), "runs": runs, "warmup": warmup, "threads": threads,
        "gmac": round(macs_per_px * width * height / 1e9, 3),
        "rss_after_import_mb": round(rss_import, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "torch": torch.__version__, "loadavg_1m": round(os.getloadavg()[0], 2),
    }))


def merge_rounds(datas):
    """One row from the data of its rounds: the round with the median median_ms, its median_ms
    the median of the rounds', min_ms the smallest, peak_rss_mb the largest, and every round's
    median under "round_medians_ms". An error in any round is the row's error."""
    bad = [d for d in datas if "median_ms" not in d]
    if bad:
        return bad[0]
    if len(datas) == 1:
        return datas[0]
    meds = [d["median_ms"] for d in datas]
    row = dict(sorted(datas, key=lambda d: d["median_ms"])[len(datas) // 2])
    row["median_ms"] = round(statistics.median(meds), 3)
    row["round_medians_ms"] = meds
    mins = [d["min_ms"] for d in datas if d.get("min_ms") is not None]
    if mins:
        row["min_ms"] = min(mins)
    rss = [d["peak_rss_mb"] for d in datas if d.get("peak_rss_mb") is not None]
    if rss:
        row["peak_rss_mb"] = max(rss)
    return row


def _parse_sizes(text):
    sizes = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        h, w = item.lower().split("x")
        sizes.append((int(h), int(w)))
    return sizes


def _fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def print_table(results, file=sys.stdout):
    hdr = ("model", "HxW", "runner", "median ms", "min ms", "GMAC/s", "peak RSS MB", "x eager", "x best")
    rows = []
    errors = []
    for r in results:
        d = r.data
        ref = {name: next((o.data.get("median_ms") for o in results
                           if o.config == r.config and o.runner == name and "median_ms" in o.data), None)
               for name in ("torch-eager", "torch-best")}
        med = d.get("median_ms")
        gmac = next((o.data.get("gmac") for o in results if o.config == r.config and o.data.get("gmac")), None)
        if "error" in d:
            errors.append(f"{r.config.model} {r.config.size} {r.runner}: {d['error']}")
            rows.append((r.config.model, r.config.size, r.runner, "error", "-", "-", "-", "-", "-"))
            continue
        rows.append((
            r.config.model, r.config.size, r.runner, _fmt(med, ".1f"), _fmt(d.get("min_ms"), ".1f"),
            _fmt(gmac / med * 1e3 if gmac and med else None, ".1f"), _fmt(d.get("peak_rss_mb"), ".0f"),
            _fmt(ref["torch-eager"] / med if ref["torch-eager"] and med else None, ".2f"),
            _fmt(ref["torch-best"] / med if ref["torch-best"] and med else None, ".2f"),
        ))
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i >= 3 else str(c).ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(hdr), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in rows:
        print(line(row), file=file)
    print("x eager / x best: speedup = that reference's median / this row's median (> 1 is faster).", file=file)
    for e in errors:
        print("error: " + e, file=file)


def main(argv=None, extra_runners=()):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flagship", default="256x256,512x384", help="HxW list for sadfpn_unet ('' to skip)")
    ap.add_argument("--zero-dce", default="512x384", help="HxW list for zero_dce ('' to skip)")
    ap.add_argument("--runners", default="eager,best",
                    help=f"torch modes to time, from {', '.join(TORCH_MODES)} (extra runners always run)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1,
                    help="time every row this many times, round-robin, and report the median round")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per configuration")
    ap.add_argument("--pypi-python", default=os.environ.get("PYPI_TORCH_PYTHON"),
                    help="interpreter with a current torch from PyPI, for the pypi-* runners "
                         "(default $PYPI_TORCH_PYTHON)")
    ap.add_argument("--cmd", action="append", default=[], metavar="NAME=TEMPLATE",
                    help="extra row from a command printing a JSON line with median_ms "
                         "(see command_runner), e.g. 'llie={repo}/build/llie-run "
                         "{repo}/models/{model}.llie bench --size {height}x{width} "
                         "--warmup {warmup} --iters {runs}'")
    ap.add_argument("--json", metavar="PATH", help="also write results as JSON ('-' for stdout)")
    opts = ap.parse_args(argv)

    if opts.runs < 1 or opts.warmup < 0 or opts.threads < 1 or opts.rounds < 1:
        ap.error("need --runs >= 1, --warmup >= 0, --threads >= 1, --rounds >= 1")
    configs = [Config("sadfpn_unet", h, w) for h, w in _parse_sizes(opts.flagship)]
    configs += [Config("zero_dce", h, w) for h, w in _parse_sizes(opts.zero_dce)]
    for c in configs:
        if c.model == "sadfpn_unet" and (c.width % 16 or c.height % 16):
            ap.error(f"flagship size {c.size}: sides must be multiples of 16")
    runners = []
    for mode in (s.strip() for s in opts.runners.split(",") if s.strip()):
        if mode not in TORCH_MODES:
            ap.error(f"unknown torch runner {mode!r} (choose from {', '.join(TORCH_MODES)})")
        runners.append(torch_runner(mode))
    for spec in opts.cmd:
        name, sep, template = spec.partition("=")
        if not sep or not name or not template:
            ap.error(f"--cmd expects NAME=TEMPLATE, got {spec!r}")
        runners.append(command_runner(name, template))
    runners += list(extra_runners)

    rows = {}  # (configuration index, runner name) -> the data of each round
    busy_rows = 0
    for rnd in range(opts.rounds):
        for ci, c in enumerate(configs):
            for r in runners:
                if not r.supports(c):
                    continue
                busy = cpu_busy()
                busy_rows += bool(busy and busy > 0.2)
                try:
                    data = r.fn(c, opts)
                except Exception as e:  # a broken runner must not lose the other rows
                    data = {"error": f"{type(e).__name__}: {e}"}
                data["cpu_busy_before"] = busy
                rows.setdefault((ci, r.name), []).append(data)
                tag = f" (round {rnd + 1}/{opts.rounds})" if opts.rounds > 1 else ""
                print(f"[{c.model} {c.size}] {r.name}{tag}: "
                      + (f"{data['median_ms']:.1f} ms" if "median_ms" in data else data.get("error", "?")),
                      file=sys.stderr, flush=True)
    results = [Result(configs[ci], name, merge_rounds(datas)) for (ci, name), datas in rows.items()]
    print_table(results)
    if busy_rows:
        print(f"note: other work kept the CPUs over 20% busy just before {busy_rows} row(s) "
              "(cpu_busy_before in the JSON); those timings are inflated and noisy", file=sys.stderr)
    if opts.json:
        doc = {"threads": opts.threads, "warmup": opts.warmup, "runs": opts.runs, "rounds": opts.rounds,
               "cpus": os.cpu_count(),
               "results": [{**asdict(r.config), "runner": r.runner, **r.data} for r in results]}
        if opts.json == "-":
            print(json.dumps(doc, indent=1))
        else:
            with open(opts.json, "w") as f:
                json.dump(doc, f, indent=1)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--export":
        m, h, w, seed, path = sys.argv[2:7]
        _export_onnx(m, int(h), int(w), int(seed), path)
    elif len(sys.argv) > 1 and sys.argv[1] == "--worker":
        m, h, w, mode, warm, n, thr, seed = sys.argv[2:10]
        _worker(m, int(h), int(w), mode, int(warm), int(n), int(thr), int(seed), sys.argv[10:])
    else:
        main()
