#!/usr/bin/env bash
# A real single-node Slurm cluster: bring it up, submit scripts/slurm/train.sbatch with 2 tasks on
# configs/tiny_debug.yaml, wait (bounded), check the job state, both ranks' log lines and the final
# checkpoint, tear the cluster down. ctest label: slurm.
#   tests/cli/slurm_train_test.sh BUILD_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: slurm_train_test.sh BUILD_DIR}
# Ports of our own, so that a cluster left elsewhere on the machine is never the one we talk to.
export ZRL_SLURM_CTLD_PORT=${ZRL_SLURM_CTLD_PORT:-16817} ZRL_SLURM_SLURMD_PORT=${ZRL_SLURM_SLURMD_PORT:-16818}
eval "$(bash "$src/scripts/slurm/local-up.sh")"
trap 'KEEP=${KEEP:-0} bash "$src/scripts/slurm/local-down.sh"' EXIT

run=$ZRL_SLURM_DIR/run
out=$ZRL_SLURM_DIR/train-%j.out
export ZERORL_BIN=$build/zerorl
jid=$(cd "$src" && sbatch --parsable -N1 -n2 -t 5 -o "$out" scripts/slurm/train.sbatch \
  --config configs/tiny_debug.yaml --set run.dir="$run" --set train.steps=3 --set train.eval_every=0 \
  --set log.plots=false)
deadline=$((SECONDS + 240))
while squeue -h -j "$jid" 2>/dev/null | grep -q .; do
  if [ $SECONDS -ge $deadline ]; then echo "slurm: job $jid still running after 240 s" >&2; scancel "$jid"; exit 1; fi
  sleep 0.5
done
log=${out//%j/$jid}
info=$(scontrol show job -o "$jid")
state=$(grep -o 'JobState=[A-Z_]*' <<<"$info"); ec=$(grep -o ' ExitCode=[0-9:]*' <<<"$info")
echo "job $jid: $state$ec"
cat "$log"
fail=0
check() { if eval "$1"; then echo "ok: $2"; else echo "FAILED: $2"; fail=1; fi; }
check '[ "$state" = JobState=COMPLETED ] && [ "$ec" = " ExitCode=0:0" ]' "job completed with exit code 0"
check 'grep -q "^0: rank 0/2 (slurm): rendezvous" "$log"' "rank 0 joined through the Slurm variables"
check 'grep -q "^1: rank 1/2 (slurm): rendezvous" "$log"' "rank 1 joined through the Slurm variables"
check 'grep -q "^1: rank 1 done after step 3" "$log"' "rank 1 finished 3 steps"
check '[ -s "$run/checkpoints/step-000003/model.safetensors" ]' "final checkpoint written"
check '[ "$(wc -l < "$run/metrics.jsonl")" -eq 3 ]' "rank 0 wrote one metrics row per step"
if [ $fail -eq 0 ]; then echo "slurm: 1 passed, 0 failed"; else echo "slurm: 0 passed, 1 failed"; exit 1; fi
