#!/usr/bin/env bash
# Installs every build, test and demo dependency of llie from Debian packages.
# Safe to run again: apt skips what is already there. Needs root (or sudo).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config
  libdnnl-dev                       # oneDNN 2.6 (CPU backend)
  libfftw3-dev                      # FFTW3 single precision (CPU backend's rfft2/irfft2)
  antlr4 libantlr4-runtime-dev      # grammar tool 4.7.2 + C++ runtime 4.9
  nlohmann-json3-dev                # JSON (safetensors headers, plans)
  libgtest-dev libgmock-dev         # tests
  libstb-dev                        # PNG/JPEG/BMP read and write
  libcli11-dev                      # command lines
  graphviz                          # DOT -> SVG graph dumps
  chromium                          # headless check of the HTML graph view (tests)
  python3-torch python3-numpy       # parity references in tests and benchmarks
  python3-pil                       # scripts/darken.py (sample low-light photos)
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}"
