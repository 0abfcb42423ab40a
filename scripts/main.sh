#!/usr/bin/env bash
# The main job, from a fresh clone: install dependencies, build, compile the bundled models and
# write their graph dumps (inference and training step), build the default dataset, then train:
#
#   1. the flagship SAD-FPN U-Net on the bundled synthetic pairs, in its slim = 4 configuration
#      (every channel count / 4, same architecture) on 128x128 crops so that it fits in about
#      ten minutes on two cores; held-out PSNR/SSIM are measured before and after training;
#   2. Zero-DCE zero-reference (no targets: its four official losses) on the dark images alone.
#
# Then both trained models enhance the sample photos (and ../shared/data/lowlight/ when it is
# there). Everything lands in out/. FLAGSHIP_STEPS / ZERO_DCE_STEPS override the step counts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
out=out
PY=/usr/bin/python3
mkdir -p "$out/dumps" "$out/samples" "$out/enhanced"
for m in zero_dce sadfpn_unet; do
  ./build/llie-compile "models/$m.llie" -o "$out/$m.plan"
  ./build/llie-compile "models/$m.llie" --emit ir -o "$out/dumps/$m.ir"
  ./build/llie-compile "models/$m.llie" --emit dot -o "$out/dumps/$m.svg"
done
# The training step the compiler builds (forward in training mode, backward, Adam).
./build/llie-compile models/sadfpn_unet.llie --entry SADFPNTrain --emit ir-opt \
  -o "$out/dumps/sadfpn_unet.train.ir"
./build/llie-compile models/zero_dce.llie --entry ZeroDCETrain --emit dot \
  -o "$out/dumps/zero_dce.train.svg"

bash scripts/make_dataset.sh data/
bash scripts/make_samples.sh "$out/samples"

echo "== training the flagship (slim = 4, 128x128 crops) on data/train, evaluating on data/val"
./build/llie-run models/sadfpn_unet.llie train --data data --set slim=4 --crop 128 --batch 4 \
  --steps "${FLAGSHIP_STEPS:-1500}" --eval-every 500 --checkpoint-every 500 \
  --out "$out/train/sadfpn_unet" --overwrite
./build/llie-compile models/sadfpn_unet.llie --set slim=4 -o "$out/sadfpn_unet_slim4.plan"

echo "== training Zero-DCE zero-reference on the dark images of data/train"
# (lr 1e-3 rather than the paper's 1e-4: the paper trains 200 epochs, the demo a few minutes.)
./build/llie-run models/zero_dce.llie train --data data/train --crop 128 --batch 8 --lr 1e-3 \
  --steps "${ZERO_DCE_STEPS:-250}" --out "$out/train/zero_dce" --overwrite

./build/llie-run "$out/sadfpn_unet_slim4.plan" enhance "$out/samples" \
  --weights "$out/train/sadfpn_unet/weights.safetensors" -o "$out/enhanced/sadfpn_unet"
./build/llie-run "$out/zero_dce.plan" enhance "$out/samples" \
  --weights "$out/train/zero_dce/weights.safetensors" -o "$out/enhanced/zero_dce"
lowlight=../shared/data/lowlight
if [ -d "$lowlight" ]; then
  ./build/llie-run "$out/zero_dce.plan" enhance "$lowlight" \
    --weights "$out/train/zero_dce/weights.safetensors" -o "$out/enhanced/zero_dce_lowlight"
fi

echo
echo "== results"
$PY scripts/summarize_run.py "$out/train/sadfpn_unet/log.jsonl"
if [ -d "$lowlight" ]; then
  $PY scripts/summarize_run.py --brightness "$lowlight" "$out/enhanced/zero_dce_lowlight"
fi
echo "plans in $out/, graph dumps in $out/dumps/, training runs in $out/train/,"
echo "enhanced photos in $out/enhanced/"
