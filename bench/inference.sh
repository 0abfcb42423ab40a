#!/usr/bin/env bash
# Inference benchmark: llie's CPU backend next to PyTorch (Debian's python3-torch 1.13, eager and
# TorchScript frozen + optimize_for_inference) in one run, on the same machine, 2 threads, median
# of N runs with per-configuration peak RSS. Prints a table with speedups (> 1: llie is faster).
# Every row is timed in 3 rounds, round-robin (--rounds; see torch_reference.py), so that a
# machine whose speed drifts slows every row alike. Run scripts/build.sh first. Extra arguments
# go to bench/torch_reference.py (e.g. --runs 20, --rounds 1 for a quick look;
# --runners eager,script,best,ort,pypi-eager,pypi-compile with the environments of
# bench/pypi_envs.sh: PYTHON=DIR/ort/bin/python for onnxruntime, PYPI_TORCH_PYTHON=DIR/torch/bin/python
# for a current torch from PyPI, eager and torch.compile).
set -euo pipefail
cd "$(dirname "$0")/.."
LLIE_BUILD="$(cd "${LLIE_BUILD:-build}" && pwd)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
exec "${PYTHON:-/usr/bin/python3}" bench/torch_reference.py \
  --flagship 256x256,384x512 --zero-dce 384x512 --runners eager,script,best --threads 2 --rounds 3 \
  --cmd 'llie='"${LLIE_BUILD:-build}"'/llie-run {repo}/models/{model}.llie bench --size {height}x{width} --warmup {warmup} --iters {runs}' \
  "$@"
