#!/usr/bin/env bash
# The test job, from a fresh clone: install dependencies, build, run every test with CTest.
# PyTorch parity tests use Debian's python3-torch; tests on the real photos in ../shared/data
# skip with a message when that folder is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest -j"$(nproc)" --output-on-failure --timeout 900
