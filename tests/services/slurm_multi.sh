#!/usr/bin/env bash
# Idempotent: start a multi-node Slurm on this host for the no-shared-disk cluster tests: one
# slurmctld and SLURM_MULTI_NODES (default 3) compute nodes, each slurmd in namespaces of its own.
# Usage (as root): tests/services/slurm_multi.sh [start|stop|status|env]
# Clients find this cluster with SLURM_CONF=<state>/slurm.conf (`env` prints the export line).
#
# - Coexists with the single-node Slurm (tests/services/slurm.sh): its own config file, state
#   dir, ports (controller 6917, nodes 6931...), cluster name and munged (own socket).
# - Each node runs `slurmd -N nodeN` (Debian's slurm-wlm is built for several slurmd per host)
#   on 127.0.0.1 with its own port, inside `unshare --uts --mount`: hostname nodeN, a private
#   tmpfs on /tmp (its work directory, TmpFS), and empty tmpfs over the project's checkout and
#   the directories in SLURM_MULTI_HIDE (default: the checkout's parent directory, where
#   worktrees and the editable install live). The network namespace is shared: loopback only.
# - Nodes cannot see the checkout, so they get their own install of the package under test:
#   a copy of <checkout>/toil in <state>/site, put on PYTHONPATH by a TaskProlog (what an
#   installation of the package on each node would give). The Python interpreter stays visible,
#   its prefix (a virtual environment under /tmp too) bound back in place where it was hidden.
# - Accounting as in the single-node setup: jobcomp/filetxt, read with `sacct -c` (NodeList).
# - LLN=YES: each job goes to the least loaded node, so even a few jobs spread over the nodes.
set -euo pipefail

STATE=${SLURM_MULTI_STATE_DIR:-/var/lib/slurm-multi}
NODES=${SLURM_MULTI_NODES:-3}
CPUS=${SLURM_MULTI_CPUS:-4}          # per node (config_overrides: more than the host has is fine)
MEM_MB=${SLURM_MULTI_MEM_MB:-2048}   # per node
TMP_MB=${SLURM_MULTI_TMP_MB:-8192}   # per node: its /tmp (a tmpfs, TmpFS and TmpDisk)
CTLD_PORT=${SLURM_MULTI_PORT:-6917}
NODE_PORT0=$((CTLD_PORT + 14))
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HIDE=${SLURM_MULTI_HIDE:-$(dirname "$REPO")}
# The Python the tests run (a virtual environment may sit under /tmp or beside the checkout, where
# the nodes see nothing): kept visible on the nodes at the same path.
PYPREFIX=${SLURM_MULTI_PYTHON_PREFIX:-$("${PYTHON:-python3}" -c 'import sys; print(sys.prefix)')}
CONF=$STATE/slurm.conf
MUNGE_SOCKET=$STATE/munge/munge.socket
export SLURM_CONF=$CONF

running() { local p; p=$(cat "$1" 2>/dev/null || true); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
stop_pid() {
  local p; p=$(cat "$1" 2>/dev/null || true)
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill "$p"; echo "stopped $2 ($p)"
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
  fi
  rm -f "$1"
}
stop() {
  for i in $(seq "$NODES"); do stop_pid "$STATE/node$i/slurmd.pid" "slurmd node$i"; done
  stop_pid "$STATE/slurmctld.pid" slurmctld
  stop_pid "$STATE/munge/munged.pid" munged
}
case "${1:-start}" in
  stop) stop; exit 0;;
  status) sinfo -h -N -o '%N %t' 2>/dev/null; exit $?;;
  env) echo "export SLURM_CONF=$CONF"; exit 0;;
  start) ;;
  *) echo "usage: $0 [start|stop|status|env]" >&2; exit 2;;
esac

# 1. Install (a no-op when already installed).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
mkdir -p "$STATE"/{ctld,log,munge,site}
for i in $(seq "$NODES"); do mkdir -p "$STATE/node$i"; done
chown munge:munge "$STATE/munge"; chmod 0700 "$STATE/munge"
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi

# 2. The nodes' install of the package under test, and the TaskProlog that puts it on PYTHONPATH.
rm -rf "$STATE/site.new"; mkdir -p "$STATE/site.new"
(cd "$REPO" && tar --exclude=__pycache__ -cf - toil) | tar -xf - -C "$STATE/site.new"
rm -rf "$STATE/site"; mv "$STATE/site.new" "$STATE/site"
cat > "$STATE/task_prolog.sh" <<EOF
#!/bin/sh
echo "export PYTHONPATH=$STATE/site"
EOF
chmod 0755 "$STATE/task_prolog.sh"

# 3. slurm.conf (rewritten each run).
HOST=$(hostname -s)
{
  cat <<EOF
ClusterName=multi
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
TaskProlog=$STATE/task_prolog.sh
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
SlurmdSpoolDir=$STATE/%n
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/%n/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd-%n.log
SlurmctldPort=$CTLD_PORT
ReturnToService=2
SchedulerParameters=sched_interval=1,defer_batch=0
MinJobAge=300
TmpFS=/tmp
DefMemPerCPU=256
MaxJobCount=100000
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
EOF
  for i in $(seq "$NODES"); do
    echo "NodeName=node$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((NODE_PORT0 + i - 1)) CPUs=$CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=$MEM_MB TmpDisk=$TMP_MB State=UNKNOWN"
  done
  echo "PartitionName=multi Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO LLN=YES"
} > "$CONF.new"
if ! cmp -s "$CONF.new" "$CONF"; then
  mv "$CONF.new" "$CONF"
  for i in $(seq "$NODES"); do stop_pid "$STATE/node$i/slurmd.pid" "slurmd node$i"; done
  stop_pid "$STATE/slurmctld.pid" slurmctld
else
  rm -f "$CONF.new"
fi

# 4. Daemons that are not running yet: munged (own socket), slurmctld, one slurmd per node.
if ! running "$STATE/munge/munged.pid"; then
  runuser -u munge -- /usr/sbin/munged --socket="$MUNGE_SOCKET" --pid-file="$STATE/munge/munged.pid" \
    --seed-file="$STATE/munge/munged.seed" --log-file="$STATE/munge/munged.log" --force
  for _ in $(seq 50); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.1; done
fi
munge -S "$MUNGE_SOCKET" -n | unmunge -S "$MUNGE_SOCKET" >/dev/null
running "$STATE/slurmctld.pid" || /usr/sbin/slurmctld -f "$CONF"

for i in $(seq "$NODES"); do
  running "$STATE/node$i/slurmd.pid" && continue
  hide=""
  for d in $HIDE "$REPO"; do hide="$hide '$d'"; done
  # A private mount namespace (no propagation back), its own hostname and /tmp, hidden checkout.
  keep="$STATE/node$i/python"
  mkdir -p "$keep"
  unshare --uts --mount --propagation private sh -c "
    hostname node$i
    mount --bind '$PYPREFIX' '$keep'
    mount -t tmpfs -o size=${TMP_MB}m,mode=1777 none /tmp
    for d in $hide; do [ -d \"\$d\" ] && mount -t tmpfs -o size=16m,mode=0755 none \"\$d\"; done
    if [ ! -d '$PYPREFIX/bin' ]; then mkdir -p '$PYPREFIX' && mount --bind '$keep' '$PYPREFIX'; fi
    exec /usr/sbin/slurmd -f '$CONF' -N node$i
  "
done

# 5. Wait until every node is idle (or busy with jobs).
ready() {
  local n
  n=$(sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 ~ /^(idle|mix|alloc)/' | sort -u | wc -l)
  [ "$n" -ge "$NODES" ]
}
for _ in $(seq 120); do
  ready && break
  scontrol update NodeName="node[1-$NODES]" State=RESUME >/dev/null 2>&1 || true
  sleep 0.5
done
sinfo -N -l
ready || { echo "multi-node slurm NOT ready" >&2; tail -20 "$STATE"/log/*.log >&2; exit 1; }
echo "multi-node slurm ready ($NODES nodes)"
