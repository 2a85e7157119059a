#!/usr/bin/env bash
# Rollout throughput against the Python/PyTorch baseline, on the issue's shape: hidden 128, 4 layers,
# 4 heads, intermediate 341, vocab 32; 128 sequences, 8 prompt + 48 new tokens.
# Usage: scripts/bench_rollout.sh [BUILD_DIR] [extra zerorl --set/--config arguments...]
# Prints both JSON lines and the ratios the issue sets goals for (>= 3x baseline, >= 5x no-cache,
# model GFLOP/s >= 25% of matmul GFLOP/s). Run on an otherwise idle machine: figures are wall time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
shift || true
baseline="${ZERORL_PY_BASELINE:-$here/../shared/bench/python_ref/bench_throughput.py}"

ours=$("$build/zerorl" bench rollout --set model.hidden_size=128 --set model.num_hidden_layers=4 \
  --set model.num_attention_heads=4 --set model.num_key_value_heads=4 --set model.intermediate_size=341 \
  --set model.vocab_size=32 --set bench.batch=128 --set bench.prompt_tokens=8 --set bench.new_tokens=48 "$@" | tail -n 1)
echo "zerorl:   $ours"
if [[ -f "$baseline" ]]; then
  ref=$(/usr/bin/python3 "$baseline" --d_model 128 --n_layer 4 --n_head 4 --batch 128 --prompt 8 --new 48 2>/dev/null | tail -n 1)
  echo "baseline: $ref"
else
  ref='{}'
  echo "baseline: not found at $baseline (set ZERORL_PY_BASELINE)"
fi
/usr/bin/python3 - "$ours" "$ref" <<'PY'
import json, sys
o, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if "rollout_tokens_per_s" in r:
    print(f"vs baseline:        {o['tokens_per_s'] / r['rollout_tokens_per_s']:.2f}x  (goal >= 3)")
print(f"vs no-cache:        {o['tokens_per_s'] / o['no_cache_tokens_per_s']:.1f}x  (goal >= 5)")
print(f"model/matmul GFLOP: {o['model_gflop_per_s'] / o['matmul_gflop_per_s']:.0%}  (goal >= 25%)")
PY
