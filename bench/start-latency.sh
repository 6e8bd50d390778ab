#!/usr/bin/env bash
# Benchmarks 1 and 2: start latency of N `sleep` containers, started one after another, through
#   api    the Hydra gRPC API (Java driver, Create{start=true}, one call per container, timed in the driver)
#   cli    the Hydra CLI as a user types it (`hydra run -d`, a JVM per container, timed around the command)
#   runc   raw `runc run -d` on a pre-written bundle (config.json as Hydra's DefaultSpec writes it)
#   podman Debian's Podman 4.3 (`podman run -d --network none`, runc, cgroupfs)
# and the memory of the monitors (conmon PSS) and of the daemon (VmRSS) before and after N containers.
# Usage: bench/start-latency.sh [N...]        (default: 50 200)
#   METHODS="api cli runc podman"   which paths to run
#   CLI_MAX=200                     skip the CLI (a JVM per container) above this N
# Per-container times (ms) go to $BENCH_WORK/times/METHOD-N.txt; the summary to stdout and bench/results/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(50 200)
METHODS=${METHODS:-api cli runc podman}
CLI_MAX=${CLI_MAX:-200}
WARMUP=5
ROOTFS=$WORK/rootfs
ROOT=$WORK/hydra-root
SOCK=$WORK/hydra.sock
DLOG=$WORK/daemon-start-latency.log
TIMES=$WORK/times
RUNC_STATE=$WORK/runc-state
BUNDLES=$WORK/bundles
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
SUMMARY=$RESULTS/start-latency-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$TIMES" "$RESULTS" "$BUNDLES"

cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1 || true
        stop_daemon
    fi
    force_clean_root "$ROOT"
    runc_clean "$RUNC_STATE"
    podman_clean
}
trap cleanup EXIT

has() { [[ " $METHODS " == *" $1 "* ]]; }
out() { echo "$*" | tee -a "$SUMMARY"; }
load1() { echo "load $(cut -d' ' -f1 /proc/loadavg)"; }

make_rootfs "$ROOTFS"
machine_info | tee "$SUMMARY" >&2
out "counts: ${COUNTS[*]}; methods: $METHODS; warm-up: $WARMUP containers per method, not counted"

if has podman; then
    podman_setup "$ROOTFS"
    if [ "$PODMAN_OK" != 1 ]; then
        out "podman: CANNOT RUN CONTAINERS: $PODMAN_ERROR"
        METHODS=${METHODS/podman/}
    fi
fi

# time_cmd FILE CMD...: appends the wall time of CMD in ms (EPOCHREALTIME, no fork for the clock).
time_cmd() {
    local file=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    "$@" </dev/null >/dev/null 2>>"$WORK/errors.log" || { echo "FAILED: $*" >&2; tail -n 3 "$WORK/errors.log" >&2; return 1; }
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >>"$file"
}

for N in "${COUNTS[@]}"; do
    log "=== N=$N"
    # ---------------- Hydra: API, then CLI, on one fresh daemon
    if has api || has cli; then
        force_clean_root "$ROOT"
        rm -rf "$ROOT" "$SOCK"
        : >"$DLOG"
        start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
        rss_idle=$(daemon_rss_kb)
        driver start "$SOCK" "$ROOTFS" warm $WARMUP /dev/null >/dev/null
        driver rm-all "$SOCK" >/dev/null
        sleep 1
        rss_before=$(daemon_rss_kb)
        if has api; then
            log "hydra api: $N containers"
            rm -f "$TIMES/api-$N.txt"
            driver start "$SOCK" "$ROOTFS" api "$N" "$TIMES/api-$N.txt" >&2
            sleep 1
            rss_after=$(daemon_rss_kb)
            mapfile -t pids < <(conmon_pids "$ROOT/")
            pss=$(pss_sum_kb "${pids[@]}")
            crss=$(rss_sum_kb "${pids[@]}")
            out "N=$N $(stats "hydra-api ms/container:" "$TIMES/api-$N.txt") ($(load1))"
            out "N=$N hydra memory: daemon VmRSS idle ${rss_idle} kB, after warm-up ${rss_before} kB, with $N containers ${rss_after} kB (growth $((rss_after - rss_before)) kB = $(awk -v g=$((rss_after - rss_before)) -v n="$N" 'BEGIN{printf "%.1f", g/n}') kB/container); ${#pids[@]} conmons: PSS sum ${pss} kB = $(awk -v p="$pss" -v n="${#pids[@]}" 'BEGIN{printf "%.1f", p/n}') kB each, RSS $(awk -v p="$crss" -v n="${#pids[@]}" 'BEGIN{printf "%.0f", p/n}') kB each"
            t0=$EPOCHREALTIME
            driver rm-all "$SOCK" >/dev/null
            t1=$EPOCHREALTIME
            sleep 1
            out "N=$N hydra: removing $N containers through the API took $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s; daemon VmRSS after removal $(daemon_rss_kb) kB"
        fi
        if has cli && [ "$N" -le "$CLI_MAX" ]; then
            log "hydra cli: $N containers"
            rm -f "$TIMES/cli-$N.txt"
            for ((i = 0; i < WARMUP; i++)); do
                "$HYDRA" --host "unix://$SOCK" run -d --name "cliwarm-$i" --rootfs "$ROOTFS" -- sleep 100000 >/dev/null
            done
            driver rm-all "$SOCK" >/dev/null
            for ((i = 0; i < N; i++)); do
                time_cmd "$TIMES/cli-$N.txt" "$HYDRA" --host "unix://$SOCK" run -d --name "cli-$i" --rootfs "$ROOTFS" -- sleep 100000
            done
            out "N=$N $(stats "hydra-cli ms/container:" "$TIMES/cli-$N.txt") ($(load1))"
            driver rm-all "$SOCK" >/dev/null
        fi
        stop_daemon
        force_clean_root "$ROOT"
    fi

    # ---------------- raw runc run -d
    if has runc; then
        log "runc: $N containers"
        runc_clean "$RUNC_STATE"
        rm -rf "$BUNDLES" && mkdir -p "$BUNDLES"
        for ((i = 0; i < N + WARMUP; i++)); do
            write_config "$BUNDLES/r-$i" "$ROOTFS" "r-$i" "/hydra-bench-runc/r-$i" 0 sleep 100000
        done
        sync
        for ((i = N; i < N + WARMUP; i++)); do
            "$RUNC" --root "$RUNC_STATE" run -d --bundle "$BUNDLES/r-$i" "r-$i" </dev/null >/dev/null 2>&1
        done
        runc_clean "$RUNC_STATE"
        rm -f "$TIMES/runc-$N.txt"
        for ((i = 0; i < N; i++)); do
            time_cmd "$TIMES/runc-$N.txt" "$RUNC" --root "$RUNC_STATE" run -d --bundle "$BUNDLES/r-$i" "r-$i"
        done
        running=$("$RUNC" --root "$RUNC_STATE" list | grep -c running || true)
        out "N=$N $(stats "runc ms/container:" "$TIMES/runc-$N.txt") ($running running, $(load1))"
        runc_clean "$RUNC_STATE"
    fi

    # ---------------- podman run -d
    if has podman; then
        log "podman: $N containers"
        podman_clean
        for ((i = 0; i < WARMUP; i++)); do
            podman run -d --network none --name "pwarm-$i" localhost/busybox sleep 100000 >/dev/null
        done
        podman_clean
        rm -f "$TIMES/podman-$N.txt"
        for ((i = 0; i < N; i++)); do
            time_cmd "$TIMES/podman-$N.txt" podman run -d --network none --name "p-$i" localhost/busybox sleep 100000
        done
        sleep 1
        mapfile -t pids < <(conmon_pids "$PODMAN_DIR/")
        pss=$(pss_sum_kb "${pids[@]}")
        crss=$(rss_sum_kb "${pids[@]}")
        out "N=$N $(stats "podman ms/container:" "$TIMES/podman-$N.txt") ($(podman ps -q | wc -l) running, $(load1))"
        out "N=$N podman memory: ${#pids[@]} conmons: PSS sum ${pss} kB = $(awk -v p="$pss" -v n="${#pids[@]}" 'BEGIN{printf "%.1f", p/n}') kB each, RSS $(awk -v p="$crss" -v n="${#pids[@]}" 'BEGIN{printf "%.0f", p/n}') kB each"
        podman_clean
    fi

    # ---------------- ratios
    m() { [ -s "$TIMES/$1-$N.txt" ] && median_of "$TIMES/$1-$N.txt" || echo 0; }
    p() { [ -s "$TIMES/$1-$N.txt" ] && p95_of "$TIMES/$1-$N.txt" || echo 0; }
    if has api && has runc; then
        out "N=$N ratio hydra-api/runc: median $(ratio "$(m api)" "$(m runc)"), p95 $(ratio "$(p api)" "$(p runc)") (goal <= 1.20)"
    fi
    if has cli && has podman && [ -s "$TIMES/cli-$N.txt" ]; then
        out "N=$N ratio hydra-cli/podman: median $(ratio "$(m cli)" "$(m podman)"), p95 $(ratio "$(p cli)" "$(p podman)") (goal < 1)"
    fi
    if has api && has podman; then
        out "N=$N ratio hydra-api/podman: median $(ratio "$(m api)" "$(m podman)"), p95 $(ratio "$(p api)" "$(p podman)")"
    fi
done
log "summary: $SUMMARY"
