#!/usr/bin/env bash
# The main job: set up, build, and run a miniature R1-Zero on the CPU.
#   scripts/run.sh [CONFIG.yaml] [--set key=value ...]
# CONFIG defaults to configs/r1zero_tiny.yaml; configs/r1zero_tiny_aha.yaml is the "aha moment" run.
set -euo pipefail
cd "$(dirname "$0")/.."
config=configs/r1zero_tiny.yaml
if [ $# -gt 0 ] && [[ "$1" == *.yaml ]]; then
  config="$1"
  shift
fi
bash scripts/setup.sh
bash scripts/build.sh --target zerorl
exec build/zerorl train --config "$config" "$@"
