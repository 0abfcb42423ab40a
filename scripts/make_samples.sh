#!/usr/bin/env bash
# Creates the demo's sample low-light photos: real photographs shipped by Debian's
# python3-skimage package (downloaded as a .deb with `apt-get download` and unpacked with
# `dpkg -x`, nothing installed), darkened synthetically by scripts/darken.py (seeded gamma
# darkening + Poisson-Gaussian noise; the model is documented there).
#
#   scripts/make_samples.sh OUTDIR [--force]
#
# Writes OUTDIR/<name>.png (dark inputs) and OUTDIR/reference/<name>.png (the same photos before
# darkening). Idempotent: when every output already exists it does nothing (--force regenerates;
# the result is the same). Needs python3-numpy and python3-pil (scripts/setup.sh installs them)
# and apt package lists (`apt-get update`) unless python3-skimage is installed.
set -euo pipefail
# shellcheck source=skimage_photos.sh
source "$(dirname "${BASH_SOURCE[0]}")/skimage_photos.sh"

usage() { echo "usage: $0 OUTDIR [--force]" >&2; exit 2; }
[ $# -ge 1 ] || usage
OUT="$1"
FORCE=0
[ $# -ge 2 ] && { [ "$2" = "--force" ] || usage; FORCE=1; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAMES=(astronaut astronaut-face chelsea coffee rocket rocket-small) # as in darken.py SAMPLES

require_numpy_pil || exit 1

if [ "$FORCE" -eq 0 ]; then
  missing=0
  for n in "${NAMES[@]}"; do
    [ -s "$OUT/$n.png" ] && [ -s "$OUT/reference/$n.png" ] || missing=1
  done
  if [ "$missing" -eq 0 ]; then
    echo "samples already present in $OUT (use --force to regenerate):"
    for n in "${NAMES[@]}"; do echo "  $OUT/$n.png"; done
    exit 0
  fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

SRC="$(skimage_photos "$WORK")" || exit 1

mkdir -p "$OUT"
"$PY" "$HERE/darken.py" "$SRC" "$OUT"
