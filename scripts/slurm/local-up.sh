#!/usr/bin/env bash
# A throwaway single-node Slurm cluster on localhost (munged + slurmctld + slurmd), for tests:
# no systemd, no cgroups; config, key, state and logs live in one temporary directory.
#   eval "$(bash scripts/slurm/local-up.sh)"      # exports SLURM_CONF and ZRL_SLURM_DIR
#   trap 'bash scripts/slurm/local-down.sh' EXIT
# Ports: ZRL_SLURM_CTLD_PORT (default 6817) and ZRL_SLURM_SLURMD_PORT (6818).
# (Own variables never start with SLURM_: sbatch copies those into jobs.)
set -euo pipefail
for b in slurmctld slurmd sbatch munged; do
  command -v $b >/dev/null || { echo "local-up: $b not installed (run scripts/setup.sh)" >&2; exit 1; }
done

D=${ZRL_SLURM_DIR:-$(mktemp -d /tmp/zerorl-slurm.XXXXXX)}
mkdir -p "$D"/{state,spool,munge}
chmod 755 "$D" "$D/munge"   # munged wants an a+x socket directory that is not group/other-writable
NODE=localhost
NCPU=$(nproc)
CTLD_PORT=${ZRL_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${ZRL_SLURM_SLURMD_PORT:-6818}

dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$D/munge/munge.key"
munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" \
  --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" \
  </dev/null >"$D/munged.out" 2>&1
for _ in $(seq 50); do [ -S "$D/munge/munge.socket" ] && break; sleep 0.1; done

cat >"$D/slurm.conf" <<CONF
ClusterName=zerorl
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NCPU State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
slurmctld -c -i -f "$SLURM_CONF" </dev/null >"$D/slurmctld.out" 2>&1
slurmd -N "$NODE" -f "$SLURM_CONF" </dev/null >"$D/slurmd.out" 2>&1

st=
for _ in $(seq 120); do
  st=$(sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null || true)
  [ "$st" = idle ] && break
  sleep 0.5
done
if [ "$st" != idle ]; then
  echo "local-up: node $NODE not idle (state '$st'); logs in $D" >&2
  tail -n 20 "$D"/*.out "$D/slurmctld.log" "$D/slurmd.log" >&2 || true
  ZRL_SLURM_DIR=$D bash "$(dirname "$0")/local-down.sh"
  exit 1
fi
echo "export SLURM_CONF=$D/slurm.conf ZRL_SLURM_DIR=$D"
