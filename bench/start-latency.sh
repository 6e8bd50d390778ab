#!/usr/bin/env bash
# Benchmarks 1 and 2: start latency of N `sleep` containers, started one after another, through
#   api    the Hydra gRPC API (Java driver, Create{start=true}, one call per container, timed in the driver)
#   cli    the Hydra CLI as a user types it (`hydra run -d`, a JVM per container, timed around the command)
#   runc   raw `runc run -d` on a pre-written bundle (config.json as Hydra's DefaultSpec writes it)
#   podman Debian's Podman 4.3 (`podman run -d --network none`, runc, cgroupfs)
#   conmon the floor of a conmon-based runtime, from the shell: conmon (Hydra's arguments, sync pipe) runs
#          `runc create`, then `runc start`; what the daemon does per container minus Java, gRPC and SQLite
# and the memory of the monitors (conmon PSS) and of the daemon (VmRSS) before and after N containers.
# Usage: bench/start-latency.sh [N...]        (default: 50 200)
#   METHODS="api cli runc podman"   which paths to run
#   CLI_MAX=200                     skip the CLI (a JVM per container) above this N
# Per-container times (ms) go to $BENCH_WORK/times/METHOD-N.txt; the summary to stdout and bench/results/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(50 200)
METHODS=${METHODS:-api cli runc conmon podman}
CLI_MAX=${CLI_MAX:-200}
WARMUP=5
ROOTFS=$WORK/rootfs
ROOT=$WORK/hydra-root
SOCK=$WORK/hydra.sock
DLOG=$WORK/daemon-start-latency.log
TIMES=$WORK/times
RUNC_STATE=$WORK/runc-state
CONMON_DIR=$WORK/conmon-floor
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
    runc_clean "$CONMON_DIR/state"
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

# conmon_start ID BUNDLE: conmon as Hydra's ConmonLauncher starts it (detached), its sync pipe a FIFO read here
# until it reports the container's pid, then `runc start`.
conmon_start() {
    local id=$1 bundle=$2 d=$CONMON_DIR/$1 msg
    mkdir -p "$d/persist" "$CONMON_DIR/exits" "$CONMON_DIR/sockets"
    mkfifo "$d/sync"
    (cd "$d" && exec 3>"$d/sync" && _OCI_SYNCPIPE=3 exec conmon --api-version 1 -c "$id" -u "$id" -n "$id" \
        -r "$RUNC" --runtime-arg "--root=$CONMON_DIR/state" -b "$bundle" -p "$d/pidfile" \
        --exit-dir "$CONMON_DIR/exits" --persist-dir "$d/persist" -l "k8s-file:$d/log" --log-level error \
        --socket-dir-path "$CONMON_DIR/sockets" --full-attach --conmon-pidfile "$d/conmon.pid") \
        </dev/null >/dev/null 2>&1 &
    read -r -d '}' msg <"$d/sync" || true
    wait $! || true   # the detached conmon's first process exits at once
    [[ $msg == *'"data": '[1-9]* ]] || { echo "conmon $id: $msg" >&2; return 1; }
    "$RUNC" --root "$CONMON_DIR/state" start "$id"
}

# per-container memory line: per_conmon LABEL PIDS...
mem_line() {
    local label=$1 pss crss
    shift
    pss=$(pss_sum_kb "$@")
    crss=$(rss_sum_kb "$@")
    echo "$label: $# conmons, PSS sum ${pss} kB = $(awk -v p="$pss" -v n="$#" 'BEGIN{printf "%.1f", n ? p/n : 0}') kB each, RSS $(awk -v p="$crss" -v n="$#" 'BEGIN{printf "%.0f", n ? p/n : 0}') kB each"
}

for N in "${COUNTS[@]}"; do
    log "=== N=$N"
    use_cli=0
    if has cli && [ "$N" -le "$CLI_MAX" ]; then use_cli=1; fi
    for m in api cli runc conmon podman; do rm -f "$TIMES/$m-$N.txt"; done
    # ---------------- set-up of each path, with WARMUP containers started and removed
    if has api || [ $use_cli = 1 ]; then
        force_clean_root "$ROOT"
        rm -rf "$ROOT" "$SOCK"
        : >"$DLOG"
        start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
        rss_idle=$(daemon_rss_kb)
        driver start "$SOCK" "$ROOTFS" warm $WARMUP /dev/null >/dev/null
        if [ $use_cli = 1 ]; then
            for ((i = 0; i < WARMUP; i++)); do
                "$HYDRA" --host "unix://$SOCK" run -d --name "cliwarm-$i" --rootfs "$ROOTFS" -- sleep 100000 >/dev/null
            done
        fi
        driver rm-all "$SOCK" >/dev/null
        sleep 1
        rss_before=$(daemon_rss_kb)
    fi
    if has api; then
        coproc API { driver start-stdin "$SOCK" "$ROOTFS" 2>>"$WORK/errors.log"; }
        read -r line <&"${API[0]}"
        [ "$line" = ready ] || die "API driver: $line"
    fi
    if has runc || has conmon; then
        runc_clean "$RUNC_STATE"
        runc_clean "$CONMON_DIR/state"
        rm -rf "$BUNDLES" "$CONMON_DIR" && mkdir -p "$BUNDLES" "$CONMON_DIR"
        for ((i = 0; i < N + WARMUP; i++)); do
            has runc && write_config "$BUNDLES/r-$i" "$ROOTFS" "r-$i" "/hydra-bench-runc/r-$i" 0 sleep 100000
            has conmon && write_config "$BUNDLES/c-$i" "$ROOTFS" "c-$i" "/hydra-bench-conmon/c-$i" 0 sleep 100000
        done
        sync
        for ((i = N; i < N + WARMUP; i++)); do
            has runc && "$RUNC" --root "$RUNC_STATE" run -d --bundle "$BUNDLES/r-$i" "r-$i" </dev/null >/dev/null 2>&1
            has conmon && conmon_start "c-$i" "$BUNDLES/c-$i" >/dev/null
        done
        runc_clean "$RUNC_STATE"
        runc_clean "$CONMON_DIR/state"
    fi
    if has podman; then
        podman_clean
        for ((i = 0; i < WARMUP; i++)); do
            podman run -d --network none --name "pwarm-$i" localhost/busybox sleep 100000 >/dev/null
        done
        podman_clean
    fi

    # ---------------- container i through every path in turn, so that all see the same machine load
    log "starting $N containers through: $METHODS (cli: $use_cli)"
    for ((i = 0; i < N; i++)); do
        if has api; then
            echo "api-$i" >&"${API[1]}"
            read -r line <&"${API[0]}"
            [[ $line != FAILED* ]] || die "hydra api-$i: $line"
            echo "$line" >>"$TIMES/api-$N.txt"
        fi
        if [ $use_cli = 1 ]; then
            time_cmd "$TIMES/cli-$N.txt" "$HYDRA" --host "unix://$SOCK" run -d --name "cli-$i" --rootfs "$ROOTFS" -- sleep 100000
        fi
        if has runc; then
            time_cmd "$TIMES/runc-$N.txt" "$RUNC" --root "$RUNC_STATE" run -d --bundle "$BUNDLES/r-$i" "r-$i"
        fi
        if has conmon; then
            time_cmd "$TIMES/conmon-$N.txt" conmon_start "c-$i" "$BUNDLES/c-$i"
        fi
        if has podman; then
            time_cmd "$TIMES/podman-$N.txt" podman run -d --network none --name "p-$i" localhost/busybox sleep 100000
        fi
        if (( (i + 1) % 50 == 0 )); then log "  $((i + 1)) of $N"; fi
    done
    sleep 2

    # ---------------- figures
    if has api; then
        eval "exec ${API[1]}>&-"
        wait "$API_PID" 2>/dev/null || true
        out "N=$N $(stats "hydra-api ms/container:" "$TIMES/api-$N.txt")"
    fi
    [ $use_cli = 1 ] && out "N=$N $(stats "hydra-cli ms/container:" "$TIMES/cli-$N.txt")"
    if has runc; then
        out "N=$N $(stats "runc ms/container:" "$TIMES/runc-$N.txt") ($("$RUNC" --root "$RUNC_STATE" list | grep -c running || true) running)"
    fi
    if has conmon; then
        out "N=$N $(stats "conmon+runc floor ms/container:" "$TIMES/conmon-$N.txt") ($("$RUNC" --root "$CONMON_DIR/state" list | grep -c running || true) running)"
    fi
    has podman && out "N=$N $(stats "podman ms/container:" "$TIMES/podman-$N.txt") ($(podman ps -q | wc -l) running)"
    out "N=$N machine load after the starts: $(cut -d' ' -f1-3 /proc/loadavg)"
    if has api || [ $use_cli = 1 ]; then
        rss_after=$(daemon_rss_kb)
        counts=$(driver count "$SOCK")
        nh=$(echo "$counts" | sed -n 's/.*running=\([0-9]*\).*/\1/p')
        mapfile -t pids < <(conmon_pids "$ROOT/")
        out "N=$N hydra memory: daemon VmRSS idle ${rss_idle} kB, after warm-up ${rss_before} kB, with ${nh} containers ($counts) ${rss_after} kB: growth $((rss_after - rss_before)) kB = $(awk -v g=$((rss_after - rss_before)) -v n="$nh" 'BEGIN{printf "%.1f", g/n}') kB/container"
        out "N=$N $(mem_line "hydra monitors" "${pids[@]}")"
    fi
    if has conmon; then
        mapfile -t pids < <(conmon_pids "$CONMON_DIR/")
        out "N=$N $(mem_line "conmon floor monitors" "${pids[@]}")"
    fi
    if has podman; then
        mapfile -t pids < <(conmon_pids "$PODMAN_DIR/")
        out "N=$N $(mem_line "podman monitors" "${pids[@]}")"
    fi

    # ---------------- clean-up
    if has api || [ $use_cli = 1 ]; then
        t0=$EPOCHREALTIME
        driver rm-all "$SOCK" >/dev/null
        t1=$EPOCHREALTIME
        sleep 1
        out "N=$N hydra: removing ${nh} containers through the API took $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s; daemon VmRSS after removal $(daemon_rss_kb) kB"
        stop_daemon
        force_clean_root "$ROOT"
    fi
    runc_clean "$RUNC_STATE"
    runc_clean "$CONMON_DIR/state"
    podman_clean

    # ---------------- ratios
    m() { [ -s "$TIMES/$1-$N.txt" ] && median_of "$TIMES/$1-$N.txt" || echo 0; }
    p() { [ -s "$TIMES/$1-$N.txt" ] && p95_of "$TIMES/$1-$N.txt" || echo 0; }
    if has api && has runc; then
        out "N=$N ratio hydra-api/runc: median $(ratio "$(m api)" "$(m runc)"), p95 $(ratio "$(p api)" "$(p runc)") (goal <= 1.20)"
    fi
    if [ $use_cli = 1 ] && has podman; then
        out "N=$N ratio hydra-cli/podman: median $(ratio "$(m cli)" "$(m podman)"), p95 $(ratio "$(p cli)" "$(p podman)") (goal < 1)"
    fi
    if has api && has conmon; then
        out "N=$N ratio hydra-api/conmon-floor: median $(ratio "$(m api)" "$(m conmon)"), p95 $(ratio "$(p api)" "$(p conmon)"); conmon-floor/runc: median $(ratio "$(m conmon)" "$(m runc)")"
    fi
    if has api && has podman; then
        out "N=$N ratio hydra-api/podman: median $(ratio "$(m api)" "$(m podman)"), p95 $(ratio "$(p api)" "$(p podman)")"
    fi
done
log "summary: $SUMMARY"
