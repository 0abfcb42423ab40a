#!/usr/bin/env bash
# The main job, from a fresh clone: install dependencies, build, compile the bundled models,
# write their graph dumps, make sample low-light photos and enhance them. Everything lands in
# out/ (plans, IR, DOT/SVG, enhanced images).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
out=out
mkdir -p "$out/dumps" "$out/samples" "$out/enhanced"
for m in zero_dce sadfpn_unet; do
  ./build/llie-compile "models/$m.llie" -o "$out/$m.plan"
  ./build/llie-compile "models/$m.llie" --emit ir -o "$out/dumps/$m.ir"
  ./build/llie-compile "models/$m.llie" --emit dot -o "$out/dumps/$m.svg"
done
bash scripts/make_samples.sh "$out/samples"
# Weights are llie's seeded initialisation until a model is trained (llie-run ... train);
# pass --weights FILE.safetensors to use trained or PyTorch-exported weights.
for m in zero_dce sadfpn_unet; do
  ./build/llie-run "$out/$m.plan" enhance "$out/samples" -o "$out/enhanced/$m"
done
echo
echo "done: plans in $out/, graph dumps in $out/dumps/, enhanced photos in $out/enhanced/"
