#!/usr/bin/env bash
# Events benchmark (Kafka, CloudEvents structured mode, broker on loopback from scripts/kafka.sh):
#   A. drain: with the broker down, the daemon's outbox fills (10 containers, PAIRS x pause/resume each, through the
#      API); then the broker starts and the publisher drains the backlog. Rate = events / time from the first to the
#      last record's CreateTime (the producer's clock at send), and the backlog curve from Info.outboxBacklog.
#   B. live: broker up, the same pause/resume load again; events delivered per second during the load, the highest
#      backlog seen, and how long after the last API call the last event was readable.
#   C. latency: EXITS containers running sh -c 'echo $EPOCHREALTIME; exit 3', started one every GAP_MS. Exit time =
#      the microsecond time the container printed just before exiting (from its log); readable = the consumer's wall
#      clock when poll() returned the record. Also split: exit -> event `time` (the daemon's record of the exit),
#      event time -> record CreateTime (outbox and publisher), CreateTime -> received (broker and fetch).
# Usage: bench/events.sh        KAFKA_PORT=19092 PAIRS=50 EXITS=100 GAP_MS=150 EVENTS_MODE=structured
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

PORT=${KAFKA_PORT:-19092}
PAIRS=${PAIRS:-50}
EXITS=${EXITS:-100}
GAP_MS=${GAP_MS:-150}
MODE=${EVENTS_MODE:-structured}
TOPIC=bench.events
KDIR=$CK/kafka
ROOTFS=$CK/rootfs
ROOT=$CK/hydra-root-events
SOCK=$CK/hydra-events.sock
DLOG=$CK/daemon-events.log
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
SUMMARY=$RESULTS/events-$STAMP.txt
OUT=$RESULTS/events-$STAMP
CONSUMER_PID=
WATCH_PID=
mkdir -p "$OUT"

cleanup() {
    set +e
    [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
    [ -n "$CONSUMER_PID" ] && kill "$CONSUMER_PID" 2>/dev/null && wait "$CONSUMER_PID" 2>/dev/null
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1
        stop_daemon
    fi
    force_clean_root "$ROOT"
    "$REPO/scripts/kafka.sh" stop --dir "$KDIR" >/dev/null 2>&1
    rm -rf "$ROOT" "$KDIR"
}
trap cleanup EXIT

make_memhog_rootfs "$ROOTFS"
rm -rf "$ROOT" "$KDIR"
"$REPO/scripts/kafka.sh" status --dir "$KDIR" >/dev/null 2>&1 && die "a broker already runs in $KDIR"
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && die "port $PORT is in use"
{
    echo "== events benchmark $STAMP"
    machine_info
    echo "broker: scripts/kafka.sh on 127.0.0.1:$PORT; topic $TOPIC; mode $MODE; pause/resume $PAIRS pairs x 10 containers; $EXITS exits, one every $GAP_MS ms"
} | tee "$SUMMARY"

info_backlog() { "$HYDRA" --host "unix://$SOCK" info 2>/dev/null | sed -n 's/.*"outboxBacklog" *: *\([0-9]*\).*/\1/p'; }
consumer_start() { # OUTFILE [--from-beginning]
    java -XX:+UseSerialGC -Xmx256m -Dslf4j.internal.verbosity=ERROR -cp "$DRIVER_COPY/*:$DRIVER_COPY/lib/*" \
        io.hydra.bench.EventsConsumer "127.0.0.1:$PORT" "$TOPIC" "$@" >"$OUT/consumer.stdout" 2>"$OUT/consumer.stderr" &
    CONSUMER_PID=$!
    local end=$((SECONDS + 60))
    until grep -q ready "$OUT/consumer.stdout" 2>/dev/null; do
        kill -0 "$CONSUMER_PID" 2>/dev/null || { cat "$OUT/consumer.stderr" >&2; die "consumer died"; }
        [ $SECONDS -lt $end ] || die "consumer not ready"
        sleep 0.1
    done
}
# wait_lines FILE PATTERN COUNT SECONDS
wait_lines() {
    local end=$((SECONDS + $4))
    while [ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -lt "$3" ]; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.1
    done
}

# ---- A. drain a backlog
log "daemon with --kafka 127.0.0.1:$PORT, broker not started yet"
start_daemon "$ROOT" "$SOCK" "$DLOG" --kafka "127.0.0.1:$PORT" --events-topic "$TOPIC" --events-mode "$MODE" >/dev/null
NAMES=$(for i in $(seq 0 9); do echo -n "ev-$i "; done)
driver start "$SOCK" "$ROOTFS" ev 10 /dev/null -- sleep 100000 >/dev/null
read -r ops ms rate failed a0 a1 < <(evd pause-resume "$SOCK" "$PAIRS" $NAMES)
backlog=$(info_backlog)
echo "A: generated $ops pause/resume events through the API in $ms ms ($rate/s, $failed failed); outbox backlog $backlog" | tee -a "$SUMMARY"
# the backlog watcher runs from before the broker starts: it ends when the backlog, above 0, is 0 again
evd backlog-watch "$SOCK" "$OUT/drain-backlog.txt" 180 &
WATCH_PID=$!
log "starting the broker"
b0=$(now_ms)
"$REPO/scripts/kafka.sh" start --port "$PORT" --dir "$KDIR" >&2
b1=$(now_ms)
consumer_start "$OUT/records.txt" --from-beginning
wait "$WATCH_PID" || true
WATCH_PID=
wait_lines "$OUT/records.txt" . "$backlog" 60 || log "fewer records than the backlog: $(wc -l <"$OUT/records.txt")"
sleep 1
n=$(wc -l <"$OUT/records.txt")
# CreateTime span (the producer's clock) and the receive span
read -r c0 c1 r0 r1 < <(awk 'NR == 1 {c0 = $2; r0 = $1} {c1 = $2; r1 = $1} END {print c0, c1, r0, r1}' "$OUT/records.txt")
read -r d0 d1 < <(awk 'NR == 1 {b = $2} $2 < b && !s {s = $1} $2 == 0 && s {e = $1} END {print s, e}' "$OUT/drain-backlog.txt")
{
    echo "A: broker listening $((b1 - b0)) ms after its start; first record sent (CreateTime) $((c0 - b1)) ms after that (publisher back-off)"
    echo "A: $n records; CreateTime first->last $((c1 - c0)) ms = $(awk -v n="$n" -v t=$((c1 - c0)) 'BEGIN { printf "%.0f", (t > 0) ? (n - 1) * 1000 / t : 0 }') events/s;" \
        "received first->last $((r1 - r0)) ms; backlog (Info, 20 ms polls) from its first drop to 0: $((d1 - d0)) ms"
    echo "A: backlog curve: $(awk '{printf "%s:%s ", $1, $2}' "$OUT/drain-backlog.txt" | head -c 600)"
} | tee -a "$SUMMARY"

# ---- B. live load
log "B: live pause/resume load"
base=$(wc -l <"$OUT/records.txt")
evd backlog-watch "$SOCK" "$OUT/live-backlog.txt" 120 &
WATCH_PID=$!
read -r ops ms rate failed a0 a1 < <(evd pause-resume "$SOCK" "$PAIRS" $NAMES)
wait_lines "$OUT/records.txt" . $((base + ops)) 60 || log "B: fewer records than expected"
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true
WATCH_PID=
tail -n +$((base + 1)) "$OUT/records.txt" >"$OUT/live-records.txt"
last_recv=$(tail -n1 "$OUT/live-records.txt" | awk '{print $1}')
in_window=$(awk -v a="$a0" -v b="$a1" '$1 >= a && $1 <= b' "$OUT/live-records.txt" | wc -l)
# per-event lag: received - event time, over the live records
awk '$3 > 0 {print $1 - $3}' "$OUT/live-records.txt" >"$OUT/live-lag.txt"
{
    echo "B: API made $ops events in $ms ms ($rate/s); $(wc -l <"$OUT/live-records.txt") received; $in_window of them during the load" \
        "($(awk -v n="$in_window" -v t="$ms" 'BEGIN { printf "%.0f", n * 1000 / t }')/s); highest backlog seen $(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$OUT/live-backlog.txt")"
    echo "B: last event readable $((last_recv - a1)) ms after the last API call returned;" \
        "event time -> received: p50 $(med "$OUT/live-lag.txt") ms, p99 $(pct "$OUT/live-lag.txt" 99) ms, max $(sort -n "$OUT/live-lag.txt" | tail -n1) ms"
} | tee -a "$SUMMARY"

# ---- C. exit latency
log "C: $EXITS containers exiting with code 3"
base=$(wc -l <"$OUT/records.txt")
evd exit-run "$SOCK" "$ROOTFS" lat "$EXITS" "$GAP_MS"
wait_lines "$OUT/records.txt" "io.hydra.container.exited" "$EXITS" 60 || log "C: not all exits seen"
sleep 1
evd exits "$SOCK" lat- >"$OUT/exits.txt"
# container id -> the EPOCHREALTIME it printed (µs resolution, as ms with decimals)
while read -r id name status code fin logp; do
    t=$(grep -o '[0-9]\{10\}\.[0-9]\{6\}' "$logp" 2>/dev/null | head -n1)
    echo "$id ${t:--} $code $fin"
done <"$OUT/exits.txt" >"$OUT/exit-times.txt"
awk 'NR == FNR { if ($2 != "-") { ex[$1] = $2 * 1000; code[$1] = $3 }; next }
     $5 == "io.hydra.container.exited" && ($6 in ex) {
        printf "%s %.1f %.1f %.1f %.1f %s\n", $6, $1 - ex[$6], $3 - ex[$6], $2 - $3, $1 - $2, $7 }' \
    "$OUT/exit-times.txt" "$OUT/records.txt" >"$OUT/latency.txt"
for col in 2 3 4 5; do awk -v c=$col '{print $c}' "$OUT/latency.txt" >"$OUT/lat-$col.txt"; done
{
    echo "C: $(wc -l <"$OUT/latency.txt") of $EXITS exits matched (exit code in events: $(awk '{print $6}' "$OUT/latency.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ' '))"
    echo "C: container exit -> readable on Kafka: p50 $(med "$OUT/lat-2.txt") ms, p99 $(pct "$OUT/lat-2.txt" 99) ms, max $(sort -n "$OUT/lat-2.txt" | tail -n1) ms"
    echo "C:   exit -> event time (daemon records it):  p50 $(med "$OUT/lat-3.txt"), p99 $(pct "$OUT/lat-3.txt" 99)"
    echo "C:   event time -> CreateTime (outbox, send):  p50 $(med "$OUT/lat-4.txt"), p99 $(pct "$OUT/lat-4.txt" 99)"
    echo "C:   CreateTime -> received (broker, fetch):    p50 $(med "$OUT/lat-5.txt"), p99 $(pct "$OUT/lat-5.txt" 99)"
    echo "load at end: $(load_now)"
} | tee -a "$SUMMARY"
