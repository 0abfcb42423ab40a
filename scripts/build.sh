#!/usr/bin/env bash
# Configures and builds llie into build/ (Release, Ninja). Used by main.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
ninja -C build -j"$(nproc)" >> build.log 2>&1 || { tail -50 build.log; exit 1; }
echo "built llie-compile, llie-run and the tests in build/"
