#!/usr/bin/env bash
# Storage benchmark: ten leave-running checkpoint versions of a container that rewrites 5% of its memory between two
# checkpoints (memhog 128 5 INTERVAL_MS: 128 MiB of random memory, 5% of its pages rewritten in one contiguous run
# every INTERVAL_MS). Each checkpoint is taken right after the container prints a new "round N", so exactly one round
# (5% of the pages) happens between two versions as long as a checkpoint takes less than INTERVAL_MS; the script
# checks the round numbers and reports them. (CRIU's freeze interrupts memhog's usleep, so the next round starts right
# after each checkpoint rather than INTERVAL_MS later: "round-after" is then round+1. Still one round per version, as
# long as no checkpoint, plus the driver's JVM start, takes longer than INTERVAL_MS: the first, full one took ~5 s at
# 128 MiB under load, so 9000 ms by default; a 5000 ms run put two rounds into version 2.)
#   hydra   ten `Checkpoint{leave_running}` calls; stored bytes = du of <root>/storage and the sum of storedBytes
#   runc    raw `runc checkpoint --leave-running` into a tmpfs: the size of one full image (uncompressed, and
#           LZ4-compressed in 64 KiB blocks), and the real dirty fraction between consecutive rounds (pages-*.img
#           compared 4 KiB page by page)
#   podman  ten `podman container checkpoint --leave-running --export` one round apart: the sum of the archives
# RUN_KIB (4, 64, 1024, ...) makes memhog dirty its 5% as distinct runs of that size at random places (fixed seed)
# instead of one stretch. Hydra runs once per storage mode in MODES: "pages" (page images stored by page, the
# default) and "chunks" (hydra.checkpoint.page-images=false: content-defined chunks, the format before issue 9).
# Usage: bench/checkpoint-storage.sh        MIB=128 PERCENT=5 INTERVAL_MS=9000 VERSIONS=10 PODMAN=1 RUN_KIB= MODES="pages chunks"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

MIB=${MIB:-128}
PERCENT=${PERCENT:-5}
INTERVAL_MS=${INTERVAL_MS:-9000}
VERSIONS=${VERSIONS:-10}
PODMAN=${PODMAN:-1}
RUN_KIB=${RUN_KIB:-}
MODES=${MODES:-pages chunks}
ROOTFS=$CK/rootfs
ROOT=$CK/hydra-root-storage
SOCK=$CK/hydra-storage.sock
DLOG=$CK/daemon-storage.log
RUNC_STATE=$CK/runc-state-storage
T=$CK/tmpfs-storage
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
SUMMARY=$RESULTS/checkpoint-storage-$STAMP.txt
CRIU=/usr/local/sbin/criu
mkdir -p "$RESULTS"

cleanup() {
    ckpt_cleanup stor-p
    rm -rf "$ROOT"
}
trap cleanup EXIT

make_memhog_rootfs "$ROOTFS"
rm -rf "$ROOT"
runc_clean "$RUNC_STATE"
tmpfs_mount "$T" 4g
{
    echo "== checkpoint storage benchmark $STAMP"
    machine_info
    echo "memhog $MIB $PERCENT $INTERVAL_MS $RUN_KIB, $VERSIONS leave-running versions, one round between versions"
} | tee "$SUMMARY"

# wait_new_round LOGCMD PREV SECONDS: until the log shows a round above PREV; prints it.
wait_new_round() {
    local cmd=$1 prev=$2 end=$((SECONDS + $3)) r
    while [ "$SECONDS" -lt "$end" ]; do
        r=$(eval "$cmd" | grep -o 'round [0-9]*' | tail -n1 | awk '{print $2}')
        if [ -n "$r" ] && [ "$r" -gt "$prev" ]; then
            echo "$r"
            return 0
        fi
        sleep 0.02
    done
    return 1
}

# ---- Hydra, once per storage mode
declare -A sum_stored_of hydra_du_of hydra_files_of
for mode in $MODES; do
log "hydra ($mode): starting the daemon"
rm -rf "$ROOT"
if [ "$mode" = chunks ]; then
    HYDRA_CHECKPOINT_PAGE_IMAGES=false start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
else
    start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null
fi
driver start "$SOCK" "$ROOTFS" stor-h 1 /dev/null -- memhog "$MIB" "$PERCENT" "$INTERVAL_MS" $RUN_KIB >/dev/null
HLOG=$(evd exits "$SOCK" stor-h | awk '{print $6}')
prev=$(wait_new_round "cat $HLOG" 0 120) || die "memhog did not start"
sum_stored=0
echo "[$mode] version round-at-checkpoint round-after frozenMs durationMs logicalBytes storedBytes load" | tee -a "$SUMMARY"
for v in $(seq 1 "$VERSIONS"); do
    r=$(wait_new_round "cat $HLOG" "$prev" $((INTERVAL_MS / 1000 + 30))) || die "no new round"
    read -r wall fr dur ver logical stored moved < <(ckd checkpoint "$SOCK" stor-h-0 --leave-running)
    after=$(last_round "$HLOG")
    sum_stored=$((sum_stored + stored))
    echo "[$mode] $ver $r $after $fr $dur $logical $stored $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$SUMMARY"
    prev=$r
done
"$HYDRA" --host "unix://$SOCK" checkpoints stor-h-0 --format json >"$RESULTS/checkpoint-storage-$STAMP-hydra-$mode-versions.json" 2>&1 || true
sum_stored_of[$mode]=$sum_stored
hydra_du_of[$mode]=$(du -sb "$ROOT/storage" | cut -f1)
hydra_files_of[$mode]=$(find "$ROOT/storage" -type f | wc -l)
driver rm-all "$SOCK" >/dev/null
stop_daemon
done

# ---- raw runc: one full image, and the real dirty fraction per round
log "runc: full image and dirty fraction"
B=$CK/bundle-stor
write_config "$B" "$ROOTFS" stor-r /hydra-bench-ckpt/stor-r 0 memhog "$MIB" "$PERCENT" "$INTERVAL_MS" $RUN_KIB
: >"$CK/stor-r.out"
"$RUNC" --root "$RUNC_STATE" run -d --bundle "$B" stor-r < <(:) > >(exec cat >>"$CK/stor-r.out") 2>&1
prev=$(wait_new_round "cat $CK/stor-r.out" 0 120) || die "runc memhog did not start"
rounds=()
for d in 1 2 3; do
    r=$(wait_new_round "cat $CK/stor-r.out" "$prev" $((INTERVAL_MS / 1000 + 30))) || die "no new round"
    rm -rf "$T/d$d" "$T/w$d"
    "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" checkpoint --leave-running --image-path "$T/d$d" --work-path "$T/w$d" stor-r \
        >"$CK/runc-ckpt.out" 2>&1 || { cat "$CK/runc-ckpt.out" >&2; die "runc checkpoint failed"; }
    rounds+=("$r/$(last_round "$CK/stor-r.out")")
    prev=$r
done
full=$(du -sb "$T/d1" | cut -f1)
pages_bytes=$(cat "$T"/d1/pages-*.img | wc -c)
read -r plain lz4 < <(ckd lz4-size "$T/d1")
read -r pa pb diff12 frac12 < <(ckd page-diff "$T/d1" "$T/d2")
read -r _ _ diff23 frac23 < <(ckd page-diff "$T/d2" "$T/d3")
"$RUNC" --root "$RUNC_STATE" delete -f stor-r >/dev/null 2>&1 || true
rm -rf "${T:?}"/d* "${T:?}"/w*

# ---- Podman: ten exports
pod_sum=-
pod_rounds=""
if [ "$PODMAN" = 1 ]; then
    podman_setup "$ROOTFS"
    if [ "$PODMAN_OK" = 1 ] && ! podman image exists localhost/memhog; then
        tar -C "$ROOTFS" -c . | podman import - localhost/memhog >/dev/null 2>&1 || PODMAN_OK=0
    fi
fi
if [ "$PODMAN" = 1 ] && [ "$PODMAN_OK" = 1 ]; then
    log "podman: $VERSIONS exports"
    podman rm -f -t 0 stor-p >/dev/null 2>&1 || true
    podman run -d --network none --name stor-p localhost/memhog memhog "$MIB" "$PERCENT" "$INTERVAL_MS" $RUN_KIB >/dev/null
    prev=$(wait_new_round "podman logs stor-p 2>/dev/null" 0 120) || die "podman memhog did not start"
    pod_sum=0
    for v in $(seq 1 "$VERSIONS"); do
        r=$(wait_new_round "podman logs stor-p 2>/dev/null" "$prev" $((INTERVAL_MS / 1000 + 30))) || die "no new round"
        podman container checkpoint --leave-running --export "$T/p$v.tar" stor-p >/dev/null
        pod_sum=$((pod_sum + $(stat -c %s "$T/p$v.tar")))
        pod_rounds+=" $r/$(podman logs stor-p 2>/dev/null | grep -o 'round [0-9]*' | tail -n1 | awk '{print $2}')"
        prev=$r
    done
    one_pod=$(stat -c %s "$T/p1.tar")
    podman rm -f -t 0 stor-p >/dev/null
    rm -f "$T"/p*.tar
fi

{
    echo
    for mode in $MODES; do
        echo "hydra [$mode]: sum of storedBytes over $VERSIONS versions = ${sum_stored_of[$mode]}; du -sb <root>/storage = ${hydra_du_of[$mode]} (${hydra_files_of[$mode]} files)"
    done
    echo "runc: one full image = $full bytes (pages-*.img $pages_bytes); LZ4 (64 KiB blocks, raw when larger) $lz4 of $plain"
    echo "runc: rounds at/after dumps ${rounds[*]}; pages differing: d1->d2 $diff12 of $pa ($frac12), d2->d3 $diff23 ($frac23)"
    echo "podman: $VERSIONS exports sum = $pod_sum bytes (one: ${one_pod:-?}); rounds at/after:$pod_rounds"
    echo
    echo "ratios:"
    for mode in $MODES; do
        echo "hydra [$mode] du / one full image       $(ratio "${hydra_du_of[$mode]}" "$full")   (goal <= 1.5)"
        echo "hydra [$mode] du / one LZ4 image        $(ratio "${hydra_du_of[$mode]}" "$lz4")"
        [ "$pod_sum" = - ] || echo "hydra [$mode] du / ten podman exports   $(ratio "${hydra_du_of[$mode]}" "$pod_sum")"
    done
    if [ -n "${hydra_du_of[pages]:-}" ] && [ -n "${hydra_du_of[chunks]:-}" ]; then
        echo "hydra pages du / chunks du             $(ratio "${hydra_du_of[pages]}" "${hydra_du_of[chunks]}")"
    fi
    echo "ideal (1 + 9 x dirty fraction)       $(awk -v f="$frac12" -v n="$VERSIONS" 'BEGIN { printf "%.2f", 1 + (n - 1) * f }')"
    echo "load at end: $(load_now)"
} | tee -a "$SUMMARY"
