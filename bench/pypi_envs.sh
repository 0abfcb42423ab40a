#!/usr/bin/env bash
# Makes the two Python environments the benchmarks' PyPI rows need (nothing else downloads):
#   DIR/ort    Debian's /usr/bin/python3 with its system packages (python3-torch 1.13) plus
#              onnxruntime from PyPI: the ort runner exports the model with Debian's torch and
#              times it on onnxruntime
#   DIR/torch  a current torch from PyPI: the pypi-eager and pypi-compile (torch.compile) runners
# PyPI's Linux torch wheel is its CUDA build (about 3 GB with NVIDIA's libraries); it runs on
# the CPU all the same. Usage:
#   bash bench/pypi_envs.sh [DIR]        (default bench/.venv, ignored by git)
#   PYTHON=DIR/ort/bin/python PYPI_TORCH_PYTHON=DIR/torch/bin/python bash bench/inference.sh \
#       --runners eager,best,ort,pypi-eager,pypi-compile
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-bench/.venv}"
mkdir -p "$DIR"
if [ ! -x "$DIR/ort/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$DIR/ort"
fi
"$DIR/ort/bin/pip" install -q onnxruntime
if [ ! -x "$DIR/torch/bin/python" ]; then
  /usr/bin/python3 -m venv "$DIR/torch"
fi
"$DIR/torch/bin/pip" install -q torch numpy
echo "ort:   $("$DIR/ort/bin/python" -c 'import onnxruntime, torch; print("onnxruntime", onnxruntime.__version__, "with torch", torch.__version__)')"
echo "torch: $("$DIR/torch/bin/python" -c 'import torch; print("torch", torch.__version__)')"
