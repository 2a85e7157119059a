#!/usr/bin/env bash
# The main job: set up, build, and run a miniature R1-Zero on the CPU.
#   scripts/run.sh [--set key=value ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --target zerorl
exec build/zerorl train --config configs/r1zero_tiny.yaml "$@"
