#!/usr/bin/env bash
# Idempotent single-node (Son of) Grid Engine 8.1.9 from Debian 12 on 127.0.0.1, as root,
# for the cluster tests.  Usage: tests/services/sge.sh [start|stop]
# Clients need: export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
# Beyond a stock setup: the queue has SGE_TEST_SLOTS slots (default 8, at least the CPU
# count) so fractional-core and tiny jobs share a small machine, and a parallel
# environment "smp" ($pe_slots, all on one host) serves jobs that ask for several cores.
set -euo pipefail
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
SLOTS=${SGE_TEST_SLOTS:-8}; [ "$SLOTS" -ge "$(nproc)" ] || SLOTS=$(nproc)
H=$(hostname -s); C=$SGE_ROOT/default/common; T=$(mktemp -d)
QP=/var/spool/gridengine/qmaster/qmaster.pid; EP=/var/spool/gridengine/execd/localhost/execd.pid  # named after 127.0.0.1's name
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [ "${1:-}" = stop ]; then   # wait until they are gone (qmaster takes seconds), KILL after 30 s
  for f in "$EP" /var/spool/gridengine/execd/$H/execd.pid "$QP"; do
    alive "$f" || continue
    pid=$(cat "$f"); kill "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "stopped $(basename "$f" .pid) ($pid)"
  done; exit 0
fi
if ! command -v sge_qmaster >/dev/null; then   # postinst runs init_cluster (cell "default")
  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq
  apt-get install -y -qq --no-install-recommends gridengine-master gridengine-exec gridengine-client >/dev/null
fi
# 127.0.0.1 reverse-resolves to "localhost", not the hostname -> alias them.
echo "$H localhost" > $C/host_aliases; echo "$H" > $C/act_qmaster
alive "$QP" || /usr/sbin/sge_qmaster
for _ in $(seq 120); do qstat >/dev/null 2>&1 && break; sleep 0.5; done
Q() { timeout 60 qconf "$@"; }   # a qconf that never returns must not stall the tests
Q -sconf global > $T/global
# Allow root jobs, and write accounting records at once (qacct is how finished jobs are read),
# not every 15 s. reporting_params is replaced whole (it may span continuation lines), so that
# repeated setups leave the same configuration: an edit in place grew it on every run until
# qconf's parser spun without end.
awk '/^reporting_params/ {skip=1} skip && /\\$/ {next} skip {skip=0; next} {print}' $T/global \
  | sed 's/^min_uid .*/min_uid 0/; s/^min_gid .*/min_gid 0/' > $T/edited
echo 'reporting_params accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00' >> $T/edited
mv $T/edited $T/global   # qconf -Mconf takes the configuration's name from the file's name
Q -Mconf $T/global >/dev/null
Q -ssconf > $T/sched      # schedule every second instead of every 15 s; a burst of submissions within 2 s is dispatched together
sed -i 's/^schedule_interval .*/schedule_interval 0:0:1/; s/^flush_submit_sec .*/flush_submit_sec 2/; s/^flush_finish_sec .*/flush_finish_sec 1/' $T/sched
Q -Msconf $T/sched >/dev/null
qconf -ss 2>/dev/null | grep -x "$H" >/dev/null || qconf -as "$H" >/dev/null
if ! qconf -sel 2>/dev/null | grep -x "$H" >/dev/null; then
  printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' "$H" > $T/eh
  Q -Ae $T/eh >/dev/null
fi
if ! qconf -spl 2>/dev/null | grep -x smp >/dev/null; then
  printf 'pe_name smp\nslots 9999\nuser_lists NONE\nxuser_lists NONE\nstart_proc_args NONE\nstop_proc_args NONE\nallocation_rule $pe_slots\ncontrol_slaves FALSE\njob_is_first_task TRUE\nurgency_slots min\naccounting_summary FALSE\nqsort_args NONE\n' > $T/pe
  Q -Ap $T/pe >/dev/null
fi
if ! qconf -sql 2>/dev/null | grep -x all.q >/dev/null; then
  Q -sq > $T/q   # the built-in template queue
  sed -i "s/^qname .*/qname all.q/; s/^hostlist .*/hostlist $H/; s/^slots .*/slots $SLOTS/; s/^pe_list .*/pe_list smp/; s/^shell .*/shell \/bin\/sh/; s/^load_thresholds .*/load_thresholds NONE/" $T/q
  Q -Aq $T/q >/dev/null
fi
alive "$EP" || alive /var/spool/gridengine/execd/$H/execd.pid || /usr/sbin/sge_execd
for _ in $(seq 240); do qstat -f 2>/dev/null | grep -E "^all.q@$H" | grep -v -E ' (au|u|E|d)+ *$' >/dev/null && \
  qstat -f | grep -E "^all.q@$H" | awk '{print $4}' | grep -v -- '-NA-' >/dev/null && break; sleep 0.5; done
rm -rf $T; qstat -f
