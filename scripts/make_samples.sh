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

usage() { echo "usage: $0 OUTDIR [--force]" >&2; exit 2; }
[ $# -ge 1 ] || usage
OUT="$1"
FORCE=0
[ $# -ge 2 ] && { [ "$2" = "--force" ] || usage; FORCE=1; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
NAMES=(astronaut astronaut-face chelsea coffee rocket rocket-small) # as in darken.py SAMPLES

if ! "$PY" -c 'import numpy, PIL' 2>/dev/null; then
  echo "error: $PY needs numpy and PIL (Debian: python3-numpy python3-pil); run scripts/setup.sh" >&2
  exit 1
fi

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

# The photos: from an installed python3-skimage if there is one, else from its .deb.
SRC=""
for d in /usr/lib/python3/dist-packages/skimage/data; do
  [ -f "$d/astronaut.png" ] && [ -f "$d/rocket.jpg" ] && SRC="$d"
done
if [ -z "$SRC" ]; then
  echo "downloading python3-skimage (about 21 MB) for its sample photos ..."
  # apt-get download writes into the current directory; as root apt warns that its sandbox user
  # cannot access the folder, so make it world-writable.
  chmod 0777 "$WORK"
  if ! (cd "$WORK" && apt-get download -q python3-skimage >"$WORK/apt.log" 2>&1); then
    cat "$WORK/apt.log" >&2
    echo "error: 'apt-get download python3-skimage' failed (run 'apt-get update' first?)" >&2
    exit 1
  fi
  deb="$(ls "$WORK"/python3-skimage_*.deb | head -n1)"
  dpkg -x "$deb" "$WORK/x"
  SRC="$(find "$WORK/x" -type d -path '*/skimage/data' | head -n1)"
  [ -n "$SRC" ] || { echo "error: no skimage/data folder in $deb" >&2; exit 1; }
fi

mkdir -p "$OUT"
"$PY" "$HERE/darken.py" "$SRC" "$OUT"
