#!/usr/bin/env bash
# Benchmark 3: recovery. With N `sleep` containers running (started through the API), SIGKILL the daemon,
# start it again, and measure from the new process's start to
#   (a) the API answering: the first successful System.Version, polled every ~2 ms by a warmed-up Java client
#       (a fresh channel per attempt, so no gRPC reconnect back-off), and then a List of every container;
#   (b) every container reconciled: the daemon's own "ready ... N ms after process start" log line.
# Also checks that no container stopped: the runc state lists the same N container pids before and after.
# The same is done with 0 containers first, to separate the JVM/Quarkus start from the work per container.
# Usage: bench/recovery.sh [N]   (default 500)   ROUNDS=3  MONITOR=eager|lazy
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${1:-500}
ROUNDS=${ROUNDS:-3}
MONITOR=${MONITOR:-eager}
ROOTFS=$WORK/rootfs
ROOT=$WORK/hydra-root-recovery
SOCK=$WORK/hydra-recovery.sock
DLOG=$WORK/daemon-recovery.log
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
SUMMARY=$RESULTS/recovery-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$RESULTS"

cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1 || true
        stop_daemon
    fi
    force_clean_root "$ROOT"
}
trap cleanup EXIT
out() { echo "$*" | tee -a "$SUMMARY"; }

# The runc view: "id pid" of every running container, sorted.
runc_running() { "$RUNC" --root "$ROOT/runc" list 2>/dev/null | awk '$3 == "running" {print $1, $2}' | sort; }

# One kill-and-restart round; prints a result line.
round() {
    local label=$1 n=$2 waiter=$WORK/waiter.out before after up list_line api_ms list_ms rdy running
    before=$(runc_running)
    : >"$waiter"
    driver wait-api "$SOCK" 120000 >"$waiter" 2>>"$WORK/errors.log" &
    local wpid=$!
    for ((i = 0; i < 1500; i++)); do grep -q '^warm' "$waiter" && break; sleep 0.02; done
    grep -q '^warm' "$waiter" || die "wait-api client did not warm up: $(cat "$waiter")"
    local old=$DAEMON_PID
    kill9_daemon
    sleep 0.2   # the client sees the old daemon gone
    start_daemon "$ROOT" "$SOCK" "$DLOG" --monitor "$MONITOR" >/dev/null
    wait "$wpid" || die "wait-api failed: $(cat "$waiter")"
    up=$(awk '$1 == "up" {print $2}' "$waiter")
    local began
    began=$(awk '$1 == "up" {print $4}' "$waiter")
    list_line=$(grep '^list' "$waiter")
    list_ms=$(echo "$list_line" | awk '{print $2}')
    api_ms=$((up - DAEMON_T0))
    list_ms=$((list_ms - DAEMON_T0))
    rdy=$(ready_ms "$DLOG")
    local pstart ready_at
    pstart=$(proc_start_epoch_ms "$DAEMON_PID")
    ready_at=$(($(ready_log_epoch_ms "$DLOG") - DAEMON_T0))
    after=$(runc_running)
    running=$(echo "$list_line" | sed -n 's/.*running=\([0-9]*\).*/\1/p')
    local same="yes"
    [ "$before" = "$after" ] || same="NO ($(diff <(echo "$before") <(echo "$after") | grep -c '^[<>]') lines differ)"
    out "$label: killed pid $old; from the new daemon's launch: API answered ${api_ms} ms (that call began $((began - DAEMON_T0)) ms), List answered ${list_ms} ms, ready line logged ${ready_at} ms (the line itself says ${rdy} ms after process start; /proc puts the process start $((pstart - DAEMON_T0)) ms after launch); List: running=$running of $n; same container pids as before the kill: $same; $(grep 'hydra daemon ready' "$DLOG" | tail -n1 | sed 's/.*ms after process start): //')"
}

make_rootfs "$ROOTFS"
machine_info | tee "$SUMMARY" >&2
out "N=$N, rounds=$ROUNDS, monitor=$MONITOR"
force_clean_root "$ROOT"
rm -rf "$ROOT" "$SOCK"
: >"$DLOG"
start_daemon "$ROOT" "$SOCK" "$DLOG" --monitor "$MONITOR" >/dev/null
out "first start (empty root): ready line logged $(($(ready_log_epoch_ms "$DLOG") - DAEMON_T0)) ms after launch (the line says $(ready_ms "$DLOG") ms after process start)"

for ((r = 1; r <= ROUNDS; r++)); do round "0 containers, round $r" 0; done

# daemon memory before and after N containers: VmRSS, and the live heap after a full GC
driver start "$SOCK" "$ROOTFS" warm 5 /dev/null >/dev/null
driver rm-all "$SOCK" >/dev/null
sleep 1
rss0=$(daemon_rss_kb)
read -r heap0 committed0 <<<"$(daemon_heap_kb)"
rss0b=$(daemon_rss_kb)
log "starting $N containers"
driver start "$SOCK" "$ROOTFS" rec "$N" "$WORK/rec-start.txt" >&2
sleep 1
rss1=$(daemon_rss_kb)
read -r heap1 committed1 <<<"$(daemon_heap_kb)"
out "started $N: $(driver count "$SOCK"); runc lists $(runc_running | wc -l) running; start $(driver stats "$WORK/rec-start.txt" | sed 's/^[^:]*: //')"
out "daemon memory for $N containers (after a 5-container warm-up): VmRSS ${rss0} -> ${rss1} kB (+$((rss1 - rss0)) kB, $(awk -v d=$((rss1 - rss0)) -v n="$N" 'BEGIN{printf "%.1f", d/n}') kB/container; ${rss0b} kB right after the first full GC); live heap after full GC ${heap0} -> ${heap1} kB (+$((heap1 - heap0)) kB, $(awk -v d=$((heap1 - heap0)) -v n="$N" 'BEGIN{printf "%.1f", d/n}') kB/container), heap committed ${committed0} -> ${committed1} kB"
mapfile -t cpids < <(conmon_pids "$ROOT/")
out "monitors: ${#cpids[@]} conmons, PSS sum $(pss_sum_kb "${cpids[@]}") kB = $(awk -v p="$(pss_sum_kb "${cpids[@]}")" -v n="${#cpids[@]}" 'BEGIN{printf "%.1f", p/n}') kB each"

for ((r = 1; r <= ROUNDS; r++)); do
    sleep 2
    round "$N containers, round $r" "$N"
    out "  after restart: daemon VmRSS $(daemon_rss_kb) kB; $(driver count "$SOCK")"
done

log "removing $N containers"
driver rm-all "$SOCK" >&2
stop_daemon
log "summary: $SUMMARY"
