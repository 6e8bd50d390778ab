#!/usr/bin/env bash
# Checkpoint and restore of a Redis holding ~1 GiB of data (Debian's redis-server in a busybox rootfs, host network,
# `DEBUG POPULATE $KEYS key $VALUE`), frozen time and total time, through
#   runc     raw `runc checkpoint` (stopping) into a tmpfs of our own, then `runc restore -d` from it
#   hydra    Hydra's Checkpoint / Restore gRPC calls (what `hydra checkpoint|restore` make, without a JVM per command);
#            the daemon is started with `--config FILE` putting its staging directory (where CRIU writes) on the
#            same tmpfs, so the frozen phase writes to the same medium as raw runc; the repository (chunks, LZ4,
#            SHA-256) stays under <root>/storage on disk
#   podman   `podman container checkpoint --export FILE --print-stats` (FILE on the same tmpfs) and
#            `podman container restore --import FILE --print-stats`, when podman is installed or apt installs it
# Leave-running checkpoints (-lr) are measured too. Every restore is checked: DBSIZE must equal $KEYS.
# Frozen time is CRIU's frozen_time (stats-dump) for runc, reported by the daemon for Hydra (it decodes the same
# file), by --print-stats for Podman.
# Usage: bench/redis-checkpoint.sh     KEYS=1000000 VALUE=1024 REPS=3 PODMAN=1 PORT_BASE=6420
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

KEYS=${KEYS:-1000000}
VALUE=${VALUE:-1024}
REPS=${REPS:-3}
PODMAN=${PODMAN:-1}
PORT_BASE=${PORT_BASE:-6420}
P_RUNC=$PORT_BASE
P_HYDRA=$((PORT_BASE + 1))
P_PODMAN=$((PORT_BASE + 2))
RROOTFS=$CK/redis-rootfs
ROOT=$CK/hydra-root-redis-ckpt
SOCK=$CK/hydra-redis-ckpt.sock
DLOG=$CK/daemon-redis-ckpt.log
RUNC_STATE=$CK/runc-state-redis
T=$CK/tmpfs-redis
CONFIG=$CK/hydra-redis-ckpt.properties
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
DATA=$RESULTS/redis-checkpoint-$STAMP.data
SUMMARY=$RESULTS/redis-checkpoint-$STAMP.txt
CRIU=/usr/local/sbin/criu
PODMAN_OK=0
PODMAN_ERROR="not tried (PODMAN=0)"
mkdir -p "$RESULTS"

cleanup() {
    ckpt_cleanup ckpt-predis
    rm -rf "$ROOT"
}
trap cleanup EXIT

for p in $P_RUNC $P_HYDRA $P_PODMAN; do
    if redis-cli -p "$p" ping >/dev/null 2>&1; then die "port $p is already in use"; fi
done
REDIS_ARGS=(--bind 127.0.0.1 --save "" --appendonly no --protected-mode no --enable-debug-command yes)

wait_redis() { # PORT
    local i
    for ((i = 0; i < 1500; i++)); do
        [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.02
    done
    die "redis on port $1 does not answer"
}
populate() { # PORT
    redis-cli -p "$1" debug populate "$KEYS" key "$VALUE" >/dev/null
    [ "$(redis-cli -p "$1" dbsize)" = "$KEYS" ] || die "redis on $1 has $(redis-cli -p "$1" dbsize) keys, not $KEYS"
}
check_keys() { # PORT WHAT
    local n
    n=$(redis-cli -p "$1" dbsize)
    [ "$n" = "$KEYS" ] || die "$2: redis has $n keys after restore, not $KEYS"
}
used_memory() { redis-cli -p "$1" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }

rec() { echo "$* $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$DATA" >&2; }
t_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

make_redis_rootfs "$RROOTFS"
rm -rf "$ROOT"
runc_clean "$RUNC_STATE"
tmpfs_mount "$T" 12g
mkdir -p "$T/hydra-staging"
if [ "$PODMAN" = 1 ]; then
    PODMAN_ERROR=
    podman_setup "$RROOTFS"
    if [ "$PODMAN_OK" = 1 ]; then
        podman rmi -f localhost/redis-bench >/dev/null 2>&1 || true
        tar -C "$RROOTFS" -c . | podman import - localhost/redis-bench >/dev/null 2>&1 \
            || { PODMAN_OK=0; PODMAN_ERROR="podman import of the redis rootfs failed"; }
    fi
    [ "$PODMAN_OK" = 1 ] || log "podman unusable: $PODMAN_ERROR"
fi

cat >"$CONFIG" <<CONF
# bench/redis-checkpoint.sh: CRIU writes Hydra's images to the same tmpfs as raw runc's
hydra.checkpoint.work-dir=$T/hydra-staging
hydra.checkpoint.timeout=10m
CONF

{
    echo "== redis checkpoint benchmark $STAMP"
    machine_info
    echo "criu: $($CRIU --version | head -n1)"
    echo "data: DEBUG POPULATE $KEYS key $VALUE; repetitions: $REPS"
    echo "daemon: bin/hydra daemon --config $CONFIG (staging on tmpfs, repository on disk under the root)"
    [ "$PODMAN_OK" = 1 ] && echo "podman: usable" || echo "podman: not measured: $PODMAN_ERROR"
} | tee "$SUMMARY"

log "starting the daemon"
start_daemon "$ROOT" "$SOCK" "$DLOG" --config "$CONFIG" >/dev/null

# ---- the three Redis servers, each with the same data
B=$CK/bundle-redis
write_config "$B" "$RROOTFS" ckpt-rredis /hydra-bench-ckpt/rredis 1 /usr/bin/redis-server --port "$P_RUNC" "${REDIS_ARGS[@]}"
: >"$CK/rredis.out"
"$RUNC" --root "$RUNC_STATE" run -d --bundle "$B" ckpt-rredis < <(:) > >(exec cat >>"$CK/rredis.out") 2>&1
"$HYDRA" --host "unix://$SOCK" run -d --name ckpt-hredis --net host --rootfs "$RROOTFS" -- \
    /usr/bin/redis-server --port "$P_HYDRA" "${REDIS_ARGS[@]}" >/dev/null
if [ "$PODMAN_OK" = 1 ]; then
    podman run -d --network host --name ckpt-predis localhost/redis-bench \
        /usr/bin/redis-server --port "$P_PODMAN" "${REDIS_ARGS[@]}" >/dev/null
fi
PORTS=("$P_RUNC" "$P_HYDRA")
[ "$PODMAN_OK" = 1 ] && PORTS+=("$P_PODMAN")
for p in "${PORTS[@]}"; do
    wait_redis "$p"
    log "populating redis on $p"
    populate "$p"
    echo "redis on $p: used_memory $(used_memory "$p") bytes" | tee -a "$SUMMARY"
done

runc_stop_restore() { # REP
    rm -rf "$T/img" "$T/work" "$T/work-r"
    local t0 t1
    t0=$(t_ms)
    "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" checkpoint --image-path "$T/img" --work-path "$T/work" \
        ckpt-rredis >"$CK/runc-ckpt.out" 2>&1 || { cat "$CK/runc-ckpt.out" >&2; die "runc checkpoint failed"; }
    t1=$(t_ms)
    rec runc-stop "$1" "$(ckd stats-dump "$T/work/stats-dump" | awk '{printf "%.1f", $2 / 1000}')" $((t1 - t0)) \
        "$(du -sb "$T/img" | cut -f1)"
    "$RUNC" --root "$RUNC_STATE" delete ckpt-rredis >/dev/null 2>&1 || true
    t0=$(t_ms)
    "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" restore -d --image-path "$T/img" --work-path "$T/work-r" \
        --bundle "$B" ckpt-rredis < <(:) > >(exec cat >>"$CK/rredis.out") 2>&1 \
        || { tail -n 5 "$T/work-r/restore.log" >&2; die "runc restore failed"; }
    t1=$(t_ms)
    check_keys "$P_RUNC" "runc"
    rec runc-restore "$1" - $((t1 - t0)) -
}
runc_lr() { # REP
    rm -rf "$T/img" "$T/work"
    local t0 t1
    t0=$(t_ms)
    "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" checkpoint --leave-running --image-path "$T/img" \
        --work-path "$T/work" ckpt-rredis >"$CK/runc-ckpt.out" 2>&1 || { cat "$CK/runc-ckpt.out" >&2; die "runc checkpoint failed"; }
    t1=$(t_ms)
    rec runc-lr "$1" "$(ckd stats-dump "$T/work/stats-dump" | awk '{printf "%.1f", $2 / 1000}')" $((t1 - t0)) \
        "$(du -sb "$T/img" | cut -f1)"
}
podman_ck() { # REP KIND [--leave-running]
    local rep=$1 kind=$2 t0 t1 out
    shift 2
    rm -f "$T/p.tar"
    t0=$(t_ms)
    out=$(podman container checkpoint "$@" --export "$T/p.tar" --print-stats ckpt-predis 2>&1) \
        || { echo "$out" >&2; die "podman checkpoint failed"; }
    t1=$(t_ms)
    rec "podman-$kind" "$rep" "$(echo "$out" | sed -n 's/.*"frozen_time": *\([0-9]*\).*/\1/p' | awk '{printf "%.1f", $1 / 1000}')" \
        $((t1 - t0)) "$(stat -c %s "$T/p.tar")"
}

log "warm-up (not counted): one leave-running checkpoint per path"
runc_lr 0 2>/dev/null
ckd checkpoint "$SOCK" ckpt-hredis --leave-running >/dev/null
[ "$PODMAN_OK" = 1 ] && podman_ck 0 lr --leave-running 2>/dev/null

# data columns: method rep frozenMs totalMs bytes load
for rep in $(seq 1 "$REPS"); do
    log "== repetition $rep (load $(load_now))"
    runc_lr "$rep"
    read -r wall fr dur ver logical stored moved < <(ckd checkpoint "$SOCK" ckpt-hredis --leave-running)
    rec hydra-lr "$rep" "$fr" "$wall" "$stored"
    [ "$PODMAN_OK" = 1 ] && podman_ck "$rep" lr --leave-running

    runc_stop_restore "$rep"
    read -r wall fr dur ver logical stored moved < <(ckd checkpoint "$SOCK" ckpt-hredis)
    rec hydra-stop "$rep" "$fr" "$wall" "$stored"
    read -r wall dur moved logical < <(ckd restore "$SOCK" ckpt-hredis)
    wait_redis "$P_HYDRA"
    check_keys "$P_HYDRA" "hydra"
    rec hydra-restore "$rep" - "$wall" "$moved"
    if [ "$PODMAN_OK" = 1 ]; then
        podman_ck "$rep" stop
        podman rm -f -t 0 ckpt-predis >/dev/null
        t0=$(t_ms)
        out=$(podman container restore --import "$T/p.tar" --print-stats 2>&1) || { echo "$out" >&2; die "podman restore failed"; }
        t1=$(t_ms)
        wait_redis "$P_PODMAN"
        check_keys "$P_PODMAN" "podman"
        rec podman-restore "$rep" - $((t1 - t0)) -
    fi
done

{
    echo
    echo "medians over $REPS repetitions (ms); raw data with the load average of each measurement: $DATA"
    awk '
    function median(s,   n, i, j, t, a) {
        n = split(s, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n == 0 ? "-" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    $2 > 0 { if ($3 != "-") fr[$1] = fr[$1] " " $3; tot[$1] = tot[$1] " " $4; seen[$1] = 1 }
    END {
        split("runc-lr hydra-lr podman-lr runc-stop hydra-stop podman-stop runc-restore hydra-restore podman-restore", order, " ")
        printf "%-16s %10s %10s\n", "method", "frozen", "total"
        for (i = 1; i <= 9; i++) { m = order[i]; if (!(m in seen)) continue
            f[m] = (m in fr) ? median(fr[m]) : "-"; t[m] = median(tot[m])
            printf "%-16s %10s %10s\n", m, f[m], t[m] }
        print ""
        print "ratios against raw runc (frozen, total):"
        split("lr stop restore", kinds, " ")
        for (k = 1; k <= 3; k++) for (e = 1; e <= 2; e++) {
            engine = (e == 1) ? "hydra" : "podman"; m = engine "-" kinds[k]; r = "runc-" kinds[k]
            if (!(m in seen) || !(r in seen)) continue
            fs = (f[m] != "-" && f[r] + 0 > 0) ? sprintf("%.2f", f[m] / f[r]) : "-"
            printf "  %-16s frozen %5s  total %5.2f\n", m, fs, t[m] / t[r] }
    }' "$DATA"
} | tee -a "$SUMMARY"
log "summary: $SUMMARY"
