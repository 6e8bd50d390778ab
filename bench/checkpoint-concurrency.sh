#!/usr/bin/env bash
# Concurrency benchmark: 1, 5 and 20 containers (memhog MIB 5 1000, default 16 MiB each) due for a leave-running
# checkpoint at the same moment. The driver opens one gRPC channel per container, then releases all the Checkpoint
# calls at once (a thread each). Per container: frozen time (CRIU's, from the daemon), the daemon's duration, the call's
# wall time, and when it started. The daemon runs at most hydra.checkpoint.max-concurrent = 2 checkpoints at a time
# (its default; the rest wait on a fair semaphore), which this benchmark leaves as is.
# Then the same through policies: `SetPolicy{every, keep 3}` on all 20 at once (what `hydra policy NAME --every 5s
# --keep 3` sends), for POLICY_SECONDS, and the versions they made (createdAt spread, frozen time).
# Usage: bench/checkpoint-concurrency.sh       COUNTS="1 5 20" MIB=16 POLICY_EVERY=5s POLICY_SECONDS=17
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

read -r -a COUNTS <<<"${COUNTS:-1 5 20}"
MIB=${MIB:-16}
POLICY_EVERY=${POLICY_EVERY:-5s}
POLICY_SECONDS=${POLICY_SECONDS:-17}
ROOTFS=$CK/rootfs
ROOT=$CK/hydra-root-concurrency
SOCK=$CK/hydra-concurrency.sock
DLOG=$CK/daemon-concurrency.log
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
SUMMARY=$RESULTS/checkpoint-concurrency-$STAMP.txt
OUT=$RESULTS/checkpoint-concurrency-$STAMP
mkdir -p "$OUT"

cleanup() {
    set +e
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1
        stop_daemon
    fi
    force_clean_root "$ROOT"
    rm -rf "$ROOT"
}
trap cleanup EXIT

make_memhog_rootfs "$ROOTFS"
rm -rf "$ROOT"
MAX=0
for n in "${COUNTS[@]}"; do [ "$n" -gt "$MAX" ] && MAX=$n; done
{
    echo "== checkpoint concurrency benchmark $STAMP"
    machine_info
    echo "$MAX containers memhog $MIB 5 1000; counts ${COUNTS[*]}; daemon max-concurrent checkpoints: 2 (default)"
} | tee "$SUMMARY"

start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
driver start "$SOCK" "$ROOTFS" conc "$MAX" /dev/null -- memhog "$MIB" 5 1000 >/dev/null
for f in $(evd exits "$SOCK" conc | awk '{print $6}'); do
    wait_file_grep "$f" "round 1" 60 || die "memhog in $f did not start"
done
names() { local i; for i in $(seq 0 $(($1 - 1))); do echo -n "conc-$i "; done; }

log "warm-up (not counted): the first version of every container, all at once"
ckd checkpoint-par "$SOCK" "$OUT/warmup.txt" --leave-running $(names "$MAX") >&2

summarize() { # FILE N
    local f=$1 n=$2
    awk '{print $4}' "$f" >"$f.frozen"
    awk '{print $3}' "$f" >"$f.wall"
    awk '{print $5}' "$f" >"$f.dur"
    awk '{print $3 + $2}' "$f" >"$f.end"
    printf "%-3s %6s %6s %6s | %7s %7s %7s | %7s %7s | %8s | %s\n" "$n" "$(med "$f.frozen")" "$(pct "$f.frozen" 95)" \
        "$(sort -n "$f.frozen" | tail -n1)" "$(med "$f.dur")" "$(med "$f.wall")" "$(sort -n "$f.wall" | tail -n1)" \
        "$(sort -n "$f.wall" | head -n1)" "$(awk '{s += $5} END {printf "%.0f", s / NR}' "$f")" \
        "$(sort -n "$f.end" | tail -n1)" "$(load_now)"
}
{
    echo
    echo "per-container figures in ms (frozen: CRIU frozen_time; duration: the daemon's; wall: the call, incl. waiting for a slot)"
    printf "%-3s %6s %6s %6s | %7s %7s %7s | %7s %7s | %8s | %s\n" N "frz50" "frz95" "frzMax" "dur50" "wall50" "wallMax" \
        "wallMin" "durMean" "makespan" "load"
} | tee -a "$SUMMARY"
for n in "${COUNTS[@]}"; do
    sleep 2
    ckd checkpoint-par "$SOCK" "$OUT/n$n.txt" --leave-running $(names "$n") >&2
    grep -q FAILED "$OUT/n$n.txt" && { grep FAILED "$OUT/n$n.txt" | tee -a "$SUMMARY"; }
    summarize "$OUT/n$n.txt" "$n" | tee -a "$SUMMARY"
done

# ---- policies: all due at the same moment
log "policies: every $POLICY_EVERY keep 3 on $MAX containers for $POLICY_SECONDS s"
# versions so far, so that only the policy's new ones are counted
ckd versions "$SOCK" $(names "$MAX") | awk '{print $1, $2}' >"$OUT/before-policy.txt"
t0=$(now_ms)
ckd policy "$SOCK" "$POLICY_EVERY" 3 $(names "$MAX") >"$OUT/policy-set.txt"
sleep "$POLICY_SECONDS"
ckd policy "$SOCK" off 3 $(names "$MAX") >/dev/null
t1=$(now_ms)
sleep 3 # let the checkpoints already running finish
ckd versions "$SOCK" $(names "$MAX") >"$OUT/after-policy.txt"
awk -v t0="$t0" 'NR == FNR { old[$1 " " $2] = 1; next } !(($1 " " $2) in old) && $3 >= t0 { print }' \
    "$OUT/before-policy.txt" "$OUT/after-policy.txt" >"$OUT/policy-versions.txt"
{
    echo
    echo "policies ($POLICY_EVERY, keep 3) on $MAX containers for $((t1 - t0)) ms:"
    awk '{print $4}' "$OUT/policy-versions.txt" >"$OUT/policy-frozen.txt"
    echo "  versions made (still kept, keep=3 prunes older ones): $(wc -l <"$OUT/policy-versions.txt"); per container: $(awk '{c[$1]++} END {for (k in c) printf "%d ", c[k]}' "$OUT/policy-versions.txt" | tr ' ' '\n' | sort -n | uniq -c | awk '{printf "%s x %s, ", $1, $2}')"
    echo "  frozen ms median $(med "$OUT/policy-frozen.txt"), p95 $(pct "$OUT/policy-frozen.txt" 95), max $(sort -n "$OUT/policy-frozen.txt" | tail -n1)"
    # gap between consecutive versions of a container (createdAt), and the first round's spread across containers
    awk '{print $1, $3}' "$OUT/policy-versions.txt" | sort -k1,1 -k2,2n | awk '$1 == p { print $2 - t } { p = $1; t = $2 }' >"$OUT/policy-gaps.txt"
    echo "  gap between a container's consecutive versions: median $(med "$OUT/policy-gaps.txt") ms, max $(sort -n "$OUT/policy-gaps.txt" | tail -n1) ms (policy: $POLICY_EVERY)"
    awk '{print $1, $3}' "$OUT/policy-versions.txt" | sort -k1,1 -k2,2n | awk '$1 != p { print $2; p = $1 }' | sort -n >"$OUT/policy-first.txt"
    echo "  first policy version of each container: spread $(( $(tail -n1 "$OUT/policy-first.txt") - $(head -n1 "$OUT/policy-first.txt") )) ms from first to last"
    echo "load at end: $(load_now)"
} | tee -a "$SUMMARY"
