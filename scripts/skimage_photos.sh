# Sourced by make_samples.sh and make_dataset.sh: the real photographs that Debian's
# python3-skimage package ships (public domain / CC0 per scikit-image's data docs), taken from an
# installed copy or else from its .deb (apt-get download + dpkg -x into WORK; nothing is
# installed). Also checks that /usr/bin/python3 has numpy and PIL.
#   skimage_photos WORK   -> prints the skimage/data folder; returns non-zero on failure
PY=/usr/bin/python3

require_numpy_pil() {
  if ! "$PY" -c 'import numpy, PIL' 2>/dev/null; then
    echo "error: $PY needs numpy and PIL (Debian: python3-numpy python3-pil); run scripts/setup.sh" >&2
    return 1
  fi
}

skimage_photos() {
  local work="$1" d deb src
  for d in /usr/lib/python3/dist-packages/skimage/data; do
    if [ -f "$d/astronaut.png" ] && [ -f "$d/chelsea.png" ] && [ -f "$d/rocket.jpg" ]; then
      echo "$d"
      return 0
    fi
  done
  echo "downloading python3-skimage (about 21 MB) for its photos ..." >&2
  chmod 0777 "$work" # apt's sandbox user must be able to write the .deb here
  if ! (cd "$work" && apt-get download -q python3-skimage >"$work/apt.log" 2>&1); then
    cat "$work/apt.log" >&2
    echo "error: 'apt-get download python3-skimage' failed (run 'apt-get update' first?)" >&2
    return 1
  fi
  deb="$(ls "$work"/python3-skimage_*.deb | head -n1)"
  dpkg -x "$deb" "$work/x"
  src="$(find "$work/x" -type d -path '*/skimage/data' | head -n1)"
  [ -n "$src" ] || { echo "error: no skimage/data folder in $deb" >&2; return 1; }
  echo "$src"
}
