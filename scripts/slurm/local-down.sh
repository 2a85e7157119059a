#!/usr/bin/env bash
# Stop the cluster of local-up.sh by its PID files (never by process name), then remove its directory.
set -u
D=${ZRL_SLURM_DIR:?set ZRL_SLURM_DIR (printed by local-up.sh)}
alive() {  # a zombie counts as dead: PID 1 of some sandboxes never reaps orphans
  local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$st" != Z ]
}
for f in slurmd.pid slurmctld.pid munge/munged.pid; do
  [ -s "$D/$f" ] || continue
  pid=$(cat "$D/$f")
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
done
[ "${KEEP:-0}" = 1 ] || rm -rf "$D"
