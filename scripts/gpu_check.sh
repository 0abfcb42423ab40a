#!/usr/bin/env bash
# The CUDA backend's acceptance run, for a machine with an NVIDIA GPU (issue "The CUDA
# backend"): after a build with the backend (scripts/build.sh finds nvcc and cuDNN by itself),
#   1. every test labelled gpu: the cpu-vs-cuda consistency harness over every op, forward and
#      gradient, and the flagship and Zero-DCE end to end on both backends;
#   2. 200 training steps of the flagship on the cpu and on cuda from the same seed, then each
#      run's held-out PSNR on the bundled data/val: they must agree within 0.2 dB;
#   3. bench/gpu_bench.py: flagship training (batch 16, 256x256) and inference (1920x1088)
#      against PyTorch eager on the same GPU.
# Usage: bash scripts/gpu_check.sh [--steps N] [--dry-run]
#   --dry-run runs step 2 only, with the cpu standing in for cuda (checks this script's plumbing
#   on a machine without a GPU). LLIE_BUILD=DIR picks the build folder (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${LLIE_BUILD:-build}
STEPS=200
DRY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS=$2; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    *) echo "usage: $0 [--steps N] [--dry-run]" >&2; exit 2 ;;
  esac
done
RUN="$BUILD/llie-run"
[ -x "$RUN" ] || { echo "no $RUN: build first (bash scripts/build.sh)" >&2; exit 2; }
SECOND=cuda
if [ "$DRY" = 1 ]; then SECOND=cpu; fi

if [ "$DRY" = 0 ]; then
  echo "== 1. ctest -L gpu"
  ctest --test-dir "$BUILD" -L gpu --output-on-failure --timeout 1800
fi

echo "== 2. $STEPS flagship training steps on cpu and $SECOND, held-out PSNR"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
psnr() { # backend -> the mean PSNR of its trained weights on data/val
  "$RUN" models/sadfpn_unet.llie --backend "$1" train --data data --steps "$STEPS" --eval-every 0 \
    --out "$OUT/$1-$2" > "$OUT/$1-$2.log" 2>&1 || { cat "$OUT/$1-$2.log" >&2; exit 1; }
  "$RUN" models/sadfpn_unet.llie --backend "$1" --weights "$OUT/$1-$2/weights.safetensors" \
    eval data/val --json | tail -1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["mean"]["output"]["psnr"])'
}
A=$(psnr cpu a)
B=$(psnr "$SECOND" b)
echo "held-out PSNR after $STEPS steps: cpu $A dB, $SECOND $B dB"
python3 - "$A" "$B" <<'PY'
import sys
a, b = float(sys.argv[1]), float(sys.argv[2])
print(f"difference {abs(a - b):.3f} dB (limit 0.2)")
sys.exit(0 if abs(a - b) <= 0.2 else 1)
PY

if [ "$DRY" = 0 ]; then
  echo "== 3. GPU benchmark"
  LLIE_BUILD="$BUILD" python3 bench/gpu_bench.py
fi
