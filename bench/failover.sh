#!/usr/bin/env bash
# Failover time: from a node's loss (everything on it SIGKILLed at once) to its protected containers running
# elsewhere, for 1, 10 and 50 containers, with the controller on another node and on the lost node itself; and
# etcd traffic per node per second at rest. On the three-node cluster of scripts/three-nodes.sh (node n1, the one
# lost, in its own network namespace).
#
#   bench/failover.sh [--counts "1 10 50"] [--reps-single 5] [--every 5s] [--rest-seconds 30]
#
# Per container, from timestamps on this machine's one clock:
#   detection = the node.lost record's lostAt (the controller saw the lease expire) - the kill
#   placement = its ownership record turning RESTORING on a target (seen by an etcd watch) - lostAt
#   restore   = the record turning RUNNING (download + restore done) - RESTORING
#   total     = RUNNING - the kill
# p50/p95 over the containers of a run (N=1: over --reps-single runs). Output: $WORK/failover-DATE/summary.txt
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/var/tmp/hydra-bench}
HYDRA=$REPO/bin/hydra
THREE=$REPO/scripts/three-nodes.sh
export HYDRA_THREE_NODES_DIR=$WORK/failover-cluster
ETCD=http://10.78.0.1:23790
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

counts="1 10 50"
reps_single=5
every=5s
rest_seconds=30
while [ $# -gt 0 ]; do
    case $1 in
        --counts) counts=$2; shift 2 ;;
        --reps-single) reps_single=$2; shift 2 ;;
        --every) every=$2; shift 2 ;;
        --rest-seconds) rest_seconds=$2; shift 2 ;;
        *) echo "usage: $0 [--counts \"1 10 50\"] [--reps-single N] [--every D] [--rest-seconds S]" >&2; exit 2 ;;
    esac
done

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
[ "$(id -u)" -eq 0 ] || die "run as root"

out=$WORK/failover-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
on() { local n=$1; shift; HYDRA_HOST=unix://$HYDRA_THREE_NODES_DIR/$n/hydra.sock "$HYDRA" "$@"; }

# wait_for WHAT SECONDS COMMAND...
wait_for() {
    local what=$1 secs=$2 deadline
    shift 2
    deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${secs}s waiting for $what"
        sleep 0.2
    done
}

leader() {
    on n2 nodes --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d["nodes"] if isinstance(d, dict) else d
print(next((n["id"] for n in d if n.get("leader")), ""))'
}
has_leader() { [ -n "$(leader)" ]; }

# all_versioned N: every counter c1..cN on n1 has a complete checkpoint
all_versioned() {
    local n=$1 i
    for i in $(seq 1 "$n"); do
        on n1 checkpoints "c$i" --format json | python3 -c '
import json, sys
sys.exit(0 if any(v.get("complete", True) for v in json.load(sys.stdin)) else 1)' || return 1
    done
}

# running_elsewhere N: c1..cN all run on n2 or n3
running_elsewhere() {
    local n=$1 a b
    a=$(on n2 ps --format json) && b=$(on n3 ps --format json) || return 1
    python3 -c '
import json, sys
names = {c.get("name") for arg in sys.argv[2:] for c in json.loads(arg) if c.get("status") == "running"}
sys.exit(0 if all(f"c{i}" in names for i in range(1, int(sys.argv[1]) + 1)) else 1)' "$n" "$a" "$b"
}

# one_run SCENARIO N REP: a fresh cluster, N protected counters on n1, n1 killed; appends per-container times
one_run() {
    local scenario=$1 n=$2 rep=$3 order lead prefix watcher t0 i
    local run=$out/$scenario-$n-$rep
    mkdir -p "$run"
    "$THREE" stop >/dev/null 2>&1 || true
    # the first daemon up usually wins the election
    if [ "$scenario" = controller-on-lost ]; then order="n1 n2 n3"; else order="n2 n3 n1"; fi
    NODES_ORDER=$order "$THREE" start >"$run/three-nodes.log" 2>&1 || { cat "$run/three-nodes.log" >&2; die "start"; }
    wait_for "a leader" 30 has_leader
    lead=$(leader)
    log "$scenario N=$n rep $rep: controller on $lead"
    for i in $(seq 1 "$n"); do
        on n1 run -d --name "c$i" --rootfs "$HYDRA_THREE_NODES_DIR/rootfs" -- \
            sh -c 'i=0; while true; do i=$((i+1)); echo $i; sleep 1; done' >/dev/null
        on n1 policy "c$i" --every "$every" --keep 2 >/dev/null
    done
    wait_for "a checkpoint of every container" 300 all_versioned "$n"
    # where the ownership records live in etcd (the coordinator's key prefix)
    prefix=$(etcdctl --endpoints $ETCD get --from-key '' --keys-only | grep -m1 'owners/' | sed 's|owners/.*|owners/|')
    [ -n "$prefix" ] || die "no ownership records in etcd"
    ( etcdctl --endpoints $ETCD watch --prefix "$prefix" | while IFS= read -r line; do
          printf '%s\t%s\n' "$(now_ms)" "$line"
      done >"$run/watch.txt" ) &
    watcher=$!
    sleep 1 # the watch must be established before the kill; etcdctl gives no signal for that
    t0=$(now_ms)
    "$THREE" kill 2>/dev/null
    local deadline=$((SECONDS + 180))
    until running_elsewhere "$n"; do
        if [ $SECONDS -ge $deadline ]; then
            log "NOT ALL of the $n containers run elsewhere after 180 s: the run counts only those that did"
            echo "$scenario $n $rep incomplete" >>"$out/incomplete.txt"
            break
        fi
        sleep 0.2
    done
    sleep 1 # the last RUNNING puts reach the watcher
    pkill -P "$watcher" etcdctl 2>/dev/null || true
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    { on n2 events --format json; on n3 events --format json; } >"$run/events.json" 2>/dev/null || true
    python3 - "$run" "$t0" "$scenario" "$n" "$lead" >>"$out/times.txt" <<'PY'
import json, sys
from datetime import datetime
run, t0, scenario, n, lead = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def ms(ts):
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
lines = [l.rstrip("\n").split("\t", 1) for l in open(f"{run}/watch.txt") if "\t" in l]
restoring, running, lost_at = {}, {}, {}
i = 0
while i < len(lines):
    if lines[i][1] == "PUT" and i + 2 < len(lines):
        at, value = int(lines[i + 2][0]), lines[i + 2][1]
        try:
            rec = json.loads(value)
        except ValueError:
            i += 1
            continue
        cid = rec.get("containerId")
        if rec.get("lostAt"):
            lost_at.setdefault(cid, ms(rec["lostAt"]))
        if rec.get("state") == "RESTORING":
            restoring.setdefault(cid, at)
        if rec.get("state") == "RUNNING" and cid in restoring:
            running.setdefault(cid, at)
        i += 3
    else:
        i += 1
for cid, done in running.items():
    la = lost_at.get(cid, restoring[cid])
    print(scenario, n, lead, cid[:12], la - t0, restoring[cid] - la, done - restoring[cid], done - t0)
PY
}

pct() { # pct P FILE-OF-NUMBERS
    sort -n "$2" | awk -v p="$1" '{a[NR]=$1} END {if (NR == 0) {print "-"; exit} i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print a[i]}'
}

log "results in $out"
: >"$out/times.txt"
for scenario in controller-elsewhere controller-on-lost; do
    for n in $counts; do
        reps=1
        [ "$n" = 1 ] && reps=$reps_single
        for rep in $(seq 1 "$reps"); do one_run "$scenario" "$n" "$rep"; done
    done
done

# etcd traffic at rest: three idle nodes, etcd's own gRPC counters over --rest-seconds
"$THREE" stop >/dev/null 2>&1 || true
"$THREE" start >"$out/rest-three-nodes.log" 2>&1
wait_for "a leader" 30 has_leader
sleep 5 # the start-up traffic (joins, elections) settles
metrics() {
    curl -s $ETCD/metrics | awk '
        /^grpc_server_handled_total/ {split($0, a, " "); calls += a[2]}
        /^etcd_network_client_grpc_received_bytes_total/ {rx = $2}
        /^etcd_network_client_grpc_sent_bytes_total/ {tx = $2}
        END {printf "%d %d %d\n", calls, rx, tx}'
}
read -r c1 r1 s1 < <(metrics)
sleep "$rest_seconds" # a measurement window, not a synchronisation
read -r c2 r2 s2 < <(metrics)
"$THREE" stop >/dev/null 2>&1 || true

{
    echo "Failover bench, $(date -u +%FT%TZ), Hydra $(git -C "$REPO" rev-parse --short HEAD), policy every $every"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%-22s %4s %5s  %-19s %-19s %-19s %-19s\n' scenario N cont "detection p50/p95" "placement p50/p95" \
        "restore p50/p95" "total p50/p95"
    for scenario in controller-elsewhere controller-on-lost; do
        for n in $counts; do
            rows=$out/rows-$scenario-$n
            awk -v s="$scenario" -v n="$n" '$1 == s && $2 == n' "$out/times.txt" >"$rows"
            line=$(printf '%-22s %4s %5s ' "$scenario" "$n" "$(wc -l <"$rows")")
            for col in 5 6 7 8; do
                awk -v c=$col '{print $c}' "$rows" >"$rows.col"
                line="$line $(printf '%-19s' "$(pct 50 "$rows.col")/$(pct 95 "$rows.col") ms")"
            done
            echo "$line"
        done
    done
    [ -s "$out/incomplete.txt" ] && { echo; echo "runs where not every container ran elsewhere within 180 s:"; cat "$out/incomplete.txt"; }
    echo
    awk -v c=$((c2 - c1)) -v r=$((r2 - r1)) -v s=$((s2 - s1)) -v t="$rest_seconds" 'BEGIN {
        printf "etcd at rest (3 idle nodes, %d s): %.2f gRPC calls/s per node, %.0f B/s in and %.0f B/s out per node\n",
            t, c / t / 3, r / t / 3, s / t / 3 }'
} | tee "$out/summary.txt"
