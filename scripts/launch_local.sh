#!/usr/bin/env bash
# Start N ranks of a command on this machine, torchrun-style:
#   scripts/launch_local.sh -n 2 -- build/zerorl train --config configs/tiny_debug.yaml
# Each rank gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free
# MASTER_PORT chosen for this launch. Output lines are prefixed with "[rank i]". SIGINT/SIGTERM are
# forwarded to every rank. The exit code is the first failing rank's (0 when all succeed); when one
# rank fails the others get GRACE seconds (default 20) to notice, then SIGTERM, then SIGKILL: no orphans.
set -uo pipefail

n=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "launch_local.sh: unknown option '$1' (usage: -n N -- command ...)" >&2; exit 2 ;;
  esac
done
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]] || [ $# -eq 0 ]; then
  echo "launch_local.sh: usage: launch_local.sh -n N -- command ..." >&2; exit 2
fi

# A free port on loopback, chosen by the kernel, so parallel launches never collide.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
grace=${GRACE:-20}
pids=()
for ((i = 0; i < n; i++)); do
  RANK=$i WORLD_SIZE=$n LOCAL_RANK=$i LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$@" > >(sed -u "s/^/[rank $i] /") 2> >(sed -u "s/^/[rank $i] /" >&2) &
  pids+=($!)
done

forward() {  # forward a signal to every rank that is still running
  for p in "${pids[@]}"; do kill -"$1" "$p" 2>/dev/null; done
}
trap 'forward TERM' TERM
trap 'forward INT' INT

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

rc=0
remaining=$n
declare -A done_pid=()
deadline=
while [ $remaining -gt 0 ]; do
  for p in "${pids[@]}"; do
    [ -n "${done_pid[$p]:-}" ] && continue
    if ! alive "$p"; then
      wait "$p"; code=$?
      done_pid[$p]=1; remaining=$((remaining - 1))
      if [ $code -ne 0 ] && [ $rc -eq 0 ]; then
        rc=$code
        deadline=$((SECONDS + grace))
      fi
    fi
  done
  if [ -n "$deadline" ] && [ $SECONDS -ge "$deadline" ] && [ $remaining -gt 0 ]; then
    forward TERM; sleep 2; forward KILL; deadline=
  fi
  sleep 0.2
done
wait 2>/dev/null  # the output filters
exit $rc
