#!/usr/bin/env bash
# Idempotent: install (Debian 12 packages) and start a single-node Slurm cluster on
# 127.0.0.1 for the cluster tests, with no systemd, no cgroups and no slurmdbd.
# Usage (as root): tests/services/slurm.sh [start|stop|status]
#
# Differences from a stock single-node setup, and why:
# - The node declares SLURM_TEST_CPUS CPUs (default 8, at least the real count;
#   SlurmdParameters=config_overrides) so that fractional-core jobs (Slurm allocates whole
#   CPUs) and many tiny jobs can share a small test machine.
# - Memory is enforced without cgroups: jobacct_gather/linux samples every second and
#   JobAcctGatherParams=OverMemoryKill kills a job over its --mem (state OUT_OF_MEMORY).
# - No accounting storage (plain sacct fails); `sacct -c` reads the jobcomp file and
#   `scontrol show job` keeps finished jobs for MinJobAge=300 s.
set -euo pipefail

STATE=${SLURM_STATE_DIR:-/var/lib/slurm-local}   # pid files, spool, logs
NODE=$(hostname -s)
# RealMemory must not exceed what slurmd detects; leave a little headroom.
MEM_MB=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 512 ))

stop() {
  for d in slurmd slurmctld munged; do
    f=$STATE/$d.pid; pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"; echo "stopped $d ($pid)"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
  done
}
case "${1:-start}" in
  stop) stop; exit 0;;
  status) sinfo -h -N -o '%N %t' 2>/dev/null; exit $?;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2;;
esac

# 1. Install (a no-op when already installed).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

mkdir -p "$STATE"/{ctld,d,log} /etc/slurm /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge

# 2. Munge key (the package creates one; make sure it exists and is private).
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key

TMP_MB=$(df -Pm /tmp | awk 'NR==2{print $4}')   # TmpDisk, so that sbatch --tmp can be honoured
REAL_CPUS=$(nproc)
CPUS=${SLURM_TEST_CPUS:-8}
[ "$CPUS" -ge "$REAL_CPUS" ] || CPUS=$REAL_CPUS
TOPO="CPUs=$CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$CPUS ThreadsPerCore=1"

# 3. slurm.conf (rewritten each run, so it follows hostname/CPU/memory).
cat > "$STATE/slurm.conf.new" <<EOF
ClusterName=local
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
SlurmdParameters=config_overrides
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.log
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ReturnToService=2
# Fast turnaround for tests
SchedulerParameters=sched_interval=1,defer_batch=0
MinJobAge=300
TmpFS=/tmp
DefMemPerCPU=1024
MaxJobCount=100000
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=${NODE} NodeAddr=127.0.0.1 ${TOPO} RealMemory=${MEM_MB} TmpDisk=${TMP_MB} State=UNKNOWN
PartitionName=debug Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
if ! cmp -s "$STATE/slurm.conf.new" /etc/slurm/slurm.conf; then
  mv "$STATE/slurm.conf.new" /etc/slurm/slurm.conf
  # Config changed: restart slurm daemons that are already up (munge stays).
  for d in slurmd slurmctld; do
    pid=$(cat "$STATE/$d.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
else
  rm -f "$STATE/slurm.conf.new"
fi
# No cgroup.conf: Slurm 22.05 has no CgroupPlugin=disabled; with
# proctrack/linuxproc + task/none nothing uses cgroups anyway.
rm -f /etc/slurm/cgroup.conf

# 4. Start daemons that are not already running.
running() { [ -s "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

if ! running munged; then
  # munged forks and writes its own pid file; run it as the munge user.
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid
  for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$STATE/munged.pid"
fi
munge -n | unmunge >/dev/null   # fails loudly if munge is broken

if ! running slurmctld; then /usr/sbin/slurmctld; fi   # daemonizes, writes pid file
if ! running slurmd;    then /usr/sbin/slurmd;    fi

# 5. Wait until the node is idle (or mixed/alloc when jobs already run).
for i in $(seq 120); do
  st=$(sinfo -h -N -n "$NODE" -o '%t' 2>/dev/null || true)
  case "$st" in idle*|mix*|alloc*) break;; esac
  if [ "$st" = "down" ] || [ "$st" = "drain" ] || [ "$st" = "down*" ]; then
    scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true
  fi
  sleep 0.5
done
sinfo -N -l
st=$(sinfo -h -N -n "$NODE" -o '%t')
case "$st" in idle*|mix*|alloc*) echo "slurm ready (node $NODE: $st)";; *) echo "slurm NOT ready: $st" >&2; tail -20 "$STATE"/log/*.log >&2; exit 1;; esac
