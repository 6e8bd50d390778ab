#!/usr/bin/env bash
# Benchmark 4: application downtime. Redis (Debian's redis-server and its libraries in a busybox rootfs) runs in
# a Hydra container on the host network (127.0.0.1:$PORT). While clients load it, the daemon is SIGKILLed and
# started again. Two clients, one after the other:
#   1. redis-benchmark -n $REQUESTS -c 10 -t set,get, repeated for $SECONDS_LOAD s (exit status and errors kept);
#   2. the Java driver's redis-hammer: 10 connections of SET/GET for $SECONDS_LOAD s, counting every failed request
#      and the slowest one (a stall would show there).
# Each with the kill at ~1/4 of the load; plus a baseline hammer with no kill. For comparison the same hammer
# against the same Redis under Podman (`podman run -d --network host`; Podman has no daemon to kill).
# Usage: bench/redis-downtime.sh     PORT=6399 SECONDS_LOAD=20 REQUESTS=200000 PODMAN=1
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${PORT:-6399}
SECONDS_LOAD=${SECONDS_LOAD:-20}
REQUESTS=${REQUESTS:-200000}
PODMAN=${PODMAN:-1}
ROOTFS=$WORK/rootfs
RROOTFS=$WORK/redis-rootfs
ROOT=$WORK/hydra-root-redis
SOCK=$WORK/hydra-redis.sock
DLOG=$WORK/daemon-redis.log
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
SUMMARY=$RESULTS/redis-downtime-$(date +%Y%m%d-%H%M%S).txt
REDIS_ARGS=(redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --protected-mode no)
mkdir -p "$RESULTS"

cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1 || true
        stop_daemon
    fi
    force_clean_root "$ROOT"
    if [ "$PODMAN" = 1 ] && command -v podman >/dev/null 2>&1 && [ -f "$CONTAINERS_CONF" ]; then
        podman rm -f -t 0 bench-redis >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
out() { echo "$*" | tee -a "$SUMMARY"; }

wait_redis() {
    local i
    for ((i = 0; i < 250; i++)); do
        [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.02
    done
    die "redis on port $PORT does not answer"
}

# kill_restart_after SECONDS: in the background, SIGKILL the daemon and start it again; the line goes to $WORK/kr.
kill_restart_after() {
    sleep "$1"
    local t0 old=$DAEMON_PID
    t0=$(now_ms)
    kill9_daemon
    start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
    echo "killed daemon $old at $t0, new daemon $DAEMON_PID ready $(( $(ready_log_epoch_ms "$DLOG") - t0 )) ms after the kill; redis pid still $(pgrep -f "redis-server 127.0.0.1:$PORT" | head -n1)"
}

if redis-cli -p "$PORT" ping >/dev/null 2>&1; then die "port $PORT is already in use"; fi
make_rootfs "$ROOTFS"
make_redis_rootfs "$RROOTFS"
machine_info | tee "$SUMMARY" >&2
out "redis: ${REDIS_ARGS[*]}; load ${SECONDS_LOAD} s per client"
force_clean_root "$ROOT"
rm -rf "$ROOT" "$SOCK"
: >"$DLOG"
start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
driver start "$SOCK" "$RROOTFS" bench-redis 1 /dev/null --net-host -- "${REDIS_ARGS[@]}" >&2
wait_redis
rpid=$(pgrep -f "redis-server 127.0.0.1:$PORT" | head -n1)
out "hydra: redis in container bench-redis-0, pid $rpid"

# ---- 1. redis-benchmark, looped, with a kill and restart at SECONDS_LOAD/4
log "redis-benchmark loop with kill at $((SECONDS_LOAD / 4)) s"
: >"$WORK/kr"
( kill_restart_after $((SECONDS_LOAD / 4)) >"$WORK/kr" 2>&1 ) &
krpid=$!
end=$((SECONDS + SECONDS_LOAD)); runs=0; bad=0; : >"$WORK/rb.out"
while [ "$SECONDS" -lt "$end" ]; do
    if ! redis-benchmark -p "$PORT" -n "$REQUESTS" -c 10 -t set,get -q >>"$WORK/rb.out" 2>&1; then bad=$((bad + 1)); fi
    runs=$((runs + 1))
done
wait "$krpid" || true
# the restarted daemon is a grandchild of this shell's subshell: find it again
DAEMON_PID=$(pgrep -f "hydra.socket=$SOCK" | head -n1)
errors=$(tr '\r' '\n' <"$WORK/rb.out" | grep -ciE 'error|refused|reset|closed' || true)
out "redis-benchmark: $runs runs of -n $REQUESTS -c 10 -t set,get ($((runs * REQUESTS * 2)) requests), failed runs (exit status) $bad, error lines $errors; $(tr '\r' '\n' <"$WORK/rb.out" | grep -E 'requests per second' | sed 's/ requests per second.*//' | awk -F': ' '{s[$1]+=$2; n[$1]++} END {for (k in s) printf "%s %.0f/s ", k, s[k]/n[k]}')"
out "  $(cat "$WORK/kr")"
{ tr '\r' '\n' <"$WORK/rb.out" | grep -iE 'error|refused|reset|closed' || true; } | head -n 5 | sed 's/^/  /' | tee -a "$SUMMARY"
[ "$(pgrep -f "redis-server 127.0.0.1:$PORT" | head -n1)" = "$rpid" ] || out "  REDIS PID CHANGED"

# ---- 2. the Java hammer: baseline, then with a kill and restart
log "hammer baseline"
out "hammer, no kill (hydra): $(driver redis-hammer "$PORT" "$SECONDS_LOAD" 10 | tr '\n' ';' )"
log "hammer with kill at $((SECONDS_LOAD / 4)) s"
( kill_restart_after $((SECONDS_LOAD / 4)) >"$WORK/kr" 2>&1 ) &
krpid=$!
hammer=$(driver redis-hammer "$PORT" "$SECONDS_LOAD" 10 | tr '\n' ';' || true)
wait "$krpid" || true
DAEMON_PID=$(pgrep -f "hydra.socket=$SOCK" | head -n1)
out "hammer, daemon SIGKILLed and restarted (hydra): $hammer"
out "  $(cat "$WORK/kr")"
out "  after: $(driver count "$SOCK"); redis pid $(pgrep -f "redis-server 127.0.0.1:$PORT" | head -n1) (was $rpid)"
driver rm-all "$SOCK" >/dev/null
stop_daemon
force_clean_root "$ROOT"

# ---- 3. Podman, same Redis, same hammer
if [ "$PODMAN" = 1 ]; then
    podman_setup "$ROOTFS"
    if [ "$PODMAN_OK" = 1 ]; then
        podman rm -f -t 0 bench-redis >/dev/null 2>&1 || true
        podman image exists localhost/bench-redis 2>/dev/null \
            || tar -C "$RROOTFS" -c . | podman import - localhost/bench-redis >/dev/null 2>&1
        podman run -d --network host --name bench-redis localhost/bench-redis "${REDIS_ARGS[@]}" >/dev/null
        wait_redis
        out "hammer (podman, nothing killed: Podman has no daemon): $(driver redis-hammer "$PORT" "$SECONDS_LOAD" 10 | tr '\n' ';')"
        podman rm -f -t 0 bench-redis >/dev/null
    else
        out "podman: CANNOT RUN CONTAINERS: $PODMAN_ERROR"
    fi
fi
log "summary: $SUMMARY"
