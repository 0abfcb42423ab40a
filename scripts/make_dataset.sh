#!/usr/bin/env bash
# Builds llie's bundled default training set from Debian packages only: the photographs shipped
# in python3-skimage's data folder (its .deb fetched with `apt-get download` and unpacked with
# `dpkg -x`, nothing installed, as scripts/make_samples.sh does) are cut into random 256x256
# crops (square windows of 256/f pixels, f ~ U[0.5, 1], shrunk with Lanczos) that become the
# normal-light targets, and each crop is darkened by the synthetic low-light model of
# runtime/data/synthetic.h:
#
#   y = scale * x^gamma, then Poisson(peak * y) / peak + Normal(0, sigma^2), clipped to [0, 1]
#   gamma ~ U[2.0, 2.6], scale ~ U[0.15, 0.5], peak ~ U[100, 400], sigma ~ U[0.002, 0.01]
#
#   scripts/make_dataset.sh OUTDIR [--force] [--seed N]
#
# Writes OUTDIR/train/{low,high}/<photo>-NNN.png (crops of 7 photos) and OUTDIR/val/{low,high}
# (crops of 2 other photos, so validation never sees a training scene), plus OUTDIR/manifest.tsv
# (one line per pair: split, name, source photo, crop box, darkening parameters). Seeded
# (numpy.random.default_rng([seed, photo, crop])): the same seed gives the same files.
# Idempotent: when the manifest for this seed exists it only prints the summary (--force
# regenerates). Needs python3-numpy and python3-pil (scripts/setup.sh installs them) and apt
# package lists (`apt-get update`) unless python3-skimage is installed.
set -euo pipefail
# shellcheck source=skimage_photos.sh
source "$(dirname "${BASH_SOURCE[0]}")/skimage_photos.sh"

usage() { echo "usage: $0 OUTDIR [--force] [--seed N]" >&2; exit 2; }
[ $# -ge 1 ] || usage
OUT="$1"; shift
FORCE=0
SEED=2024
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    --seed) [ $# -ge 2 ] || usage; SEED="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "error: --seed needs a non-negative integer" >&2; exit 2; }
START=$(date +%s)

require_numpy_pil || exit 1

summary() {
  "$PY" - "$OUT" <<'PYEOF'
import os, sys
out = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "manifest.tsv"))][1:]
for split in ("train", "val"):
    r = [x for x in rows if x[0] == split]
    photos = sorted({x[2] for x in r})
    sizes = sorted({x[3].split(":")[1] for x in r})
    print(f"  {split}: {len(r)} pairs ({', '.join(sizes)}) in {out}/{split}/{{low,high}} "
          f"from {len(photos)} photos: {' '.join(photos)}")
PYEOF
}

if [ "$FORCE" -eq 0 ] && [ -s "$OUT/manifest.tsv" ] && head -n1 "$OUT/manifest.tsv" | grep -q "seed=$SEED\$"; then
  echo "dataset already present in $OUT (seed $SEED; use --force to regenerate):"
  summary
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

SRC="$(skimage_photos "$WORK")" || exit 1

# Generate into a fresh folder inside OUTDIR, then swap train/ and val/ in and write the
# manifest last: an interrupted run never leaves a manifest over a half-written dataset. Other
# files in OUTDIR are left alone.
mkdir -p "$OUT"
rm -f "$OUT/manifest.tsv"
NEW="$OUT/.partial.$$"
rm -rf "$NEW"
trap 'rm -rf "$WORK" "$NEW"' EXIT
"$PY" - "$SRC" "$NEW" "$SEED" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image

src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
CROP = 256
# photo file, crops. Colour photos plus grey ones (expanded to RGB) for texture variety;
# validation uses other scenes. Licences per scikit-image's data docs (public domain / CC0);
# motorcycle_left.png (Middlebury stereo, no licence stated) is left out.
TRAIN = [("astronaut.png", 72), ("coffee.png", 64), ("rocket.jpg", 64),
         ("camera.png", 48), ("brick.png", 24),
         ("grass.png", 24), ("gravel.png", 24)]
VAL = [("chelsea.png", 16), ("coins.png", 16)]

def darken(x, rng):
    gamma, scale = rng.uniform(2.0, 2.6), rng.uniform(0.15, 0.5)
    peak, sigma = rng.uniform(100.0, 400.0), rng.uniform(0.002, 0.01)
    y = scale * np.power(x, gamma)
    y = rng.poisson(peak * y) / peak + rng.normal(0.0, sigma, size=y.shape)
    return np.clip(y, 0.0, 1.0), (gamma, scale, peak, sigma)

def to_img(a):
    return Image.fromarray(np.round(a * 255.0).astype(np.uint8), "RGB")

rows = [f"# llie default training set: split name photo box params  seed={seed}"]
for split, photos, base in (("train", TRAIN, 0), ("val", VAL, 100)):
    for d in ("low", "high"):
        os.makedirs(os.path.join(out, split, d), exist_ok=True)
    for p, (file, n) in enumerate(photos):
        photo = Image.open(os.path.join(src, file)).convert("RGB")
        stem = os.path.splitext(file)[0]
        for k in range(n):
            rng = np.random.default_rng([seed, base + p, k])
            w, h = photo.size
            c = min(CROP, w, h)  # smaller crops only for photos under 256 px
            f = rng.uniform(max(0.5, c / min(w, h)), 1.0)
            s = min(w, h, int(round(c / f)))  # the window in the photo, shrunk to c x c
            x0, y0 = int(rng.integers(0, w - s + 1)), int(rng.integers(0, h - s + 1))
            crop = photo.resize((c, c), Image.LANCZOS, box=(x0, y0, x0 + s, y0 + s))
            high = np.asarray(crop, dtype=np.float64) / 255.0
            low, prm = darken(high, rng)
            name = f"{stem}-{k:03d}"
            to_img(high).save(os.path.join(out, split, "high", name + ".png"), compress_level=3)
            to_img(low).save(os.path.join(out, split, "low", name + ".png"), compress_level=3)
            rows.append("\t".join([split, name, file, f"{s}x{s}+{x0}+{y0}:{c}x{c}",
                                   "gamma=%.4f scale=%.4f peak=%.1f sigma=%.5f" % prm]))
with open(os.path.join(out, "manifest.tsv"), "w") as fh:
    fh.write("\n".join(rows) + "\n")
PYEOF
rm -rf "$OUT/train" "$OUT/val"
mv "$NEW/train" "$NEW/val" "$OUT/"
mv "$NEW/manifest.tsv" "$OUT/manifest.tsv"
rmdir "$NEW"
echo "wrote the default training set (seed $SEED) in $(( $(date +%s) - START )) s:"
summary
