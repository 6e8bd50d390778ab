#!/usr/bin/env bash
# Checkpoint benchmark: frozen time and total time of a checkpoint, and restore time, of one memhog container
# (it/src/test/resources/memhog.c: MIB of random memory, 1% rewritten every second) through
#   runc     raw `runc checkpoint` (CRIU 4.1.1) into a tmpfs of our own, and `runc restore -d` from it
#   runcdisk raw `runc checkpoint --leave-running` into a directory on the root disk, where Hydra stages its images
#   hydra    Hydra's Checkpoint / Restore gRPC calls (what `hydra checkpoint|restore --format json` makes, without a
#            JVM start per command), default settings: images staged in <root>/checkpoints, stored in <root>/storage
#   podman   `podman container checkpoint [--leave-running] --export FILE --print-stats` (FILE on the same tmpfs) and
#            `podman container restore --import FILE --print-stats`
# Leave-running checkpoints (-lr) and stopping ones (-stop, then restored) are interleaved per repetition, so all paths
# see the same load. Frozen time is CRIU's own frozen_time (stats-dump) in every path: decoded by the bench driver for
# runc, reported by the daemon for Hydra (it decodes the same file), by --print-stats for Podman.
# Usage: bench/checkpoint.sh [MIB...]     (default: 64 256 1024)
#   REPS_64=3 REPS_256=3 REPS_1024=2 (REPS_<MIB>, default 3)   PODMAN=1 (0: skip Podman)
#   HYDRA_DAEMON_JAVA_OPTS   passed to bin/hydra daemon (e.g. "-Xmx256m -XX:+UseSerialGC" for C2; the default is C1 only)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(64 256 1024)
PODMAN=${PODMAN:-1}
ROOTFS=$CK/rootfs
ROOT=$CK/hydra-root-checkpoint
SOCK=$CK/hydra-checkpoint.sock
DLOG=$CK/daemon-checkpoint.log
RUNC_STATE=$CK/runc-state
T=$CK/tmpfs
DISK=$CK/disk-images
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
DATA=$RESULTS/checkpoint-$STAMP.data
SUMMARY=$RESULTS/checkpoint-$STAMP.txt
CRIU=/usr/local/sbin/criu
mkdir -p "$RESULTS" "$DISK"

cleanup() {
    ckpt_cleanup ckpt-p
    rm -rf "$DISK" "$ROOT"
}
trap cleanup EXIT

make_memhog_rootfs "$ROOTFS"
rm -rf "$ROOT"
runc_clean "$RUNC_STATE"
tmpfs_mount "$T" 8g
if [ "$PODMAN" = 1 ]; then
    podman_setup "$ROOTFS"
    if [ "$PODMAN_OK" = 1 ]; then
        podman rmi -f localhost/memhog >/dev/null 2>&1 || true
        tar -C "$ROOTFS" -c . | podman import - localhost/memhog >/dev/null 2>&1 || { PODMAN_OK=0; PODMAN_ERROR="import of memhog rootfs failed"; }
    fi
    [ "$PODMAN_OK" = 1 ] || log "podman unusable: $PODMAN_ERROR"
fi

{
    echo "== checkpoint benchmark $STAMP"
    machine_info
    echo "criu: $($CRIU --version | head -n1)"
    echo "sizes: ${SIZES[*]} MiB; memhog MIB 1 1000 (1% rewritten per second)"
    echo "daemon JVM options: ${HYDRA_DAEMON_JAVA_OPTS:-bin/hydra default (-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)}"
} | tee "$SUMMARY"

log "starting the daemon ($HYDRA)"
start_daemon "$ROOT" "$SOCK" "$DLOG" >/dev/null

# rec SIZE METHOD REP FROZEN TOTAL EXTRA1 EXTRA2
rec() { echo "$* $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$DATA" >&2; }

t_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

runc_lr() { # SIZE DIR -> "frozenMs wallMs bytes"
    local s=$1 dir=$2 t0 t1
    rm -rf "$dir/img" "$dir/work"
    t0=$(t_ms)
    "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" checkpoint --leave-running --image-path "$dir/img" \
        --work-path "$dir/work" "ckpt-r$s" >"$CK/runc-ckpt.out" 2>&1 || { cat "$CK/runc-ckpt.out" >&2; return 1; }
    t1=$(t_ms)
    echo "$(ckd stats-dump "$dir/work/stats-dump" | awk '{printf "%.1f", $2 / 1000}') $((t1 - t0)) $(du -sb "$dir/img" | cut -f1)"
}

podman_ck() { # SIZE [--leave-running] -> "frozenMs wallMs runtimeMs exportBytes"
    local s=$1 t0 t1 out
    shift
    rm -f "$T/p.tar"
    t0=$(t_ms)
    out=$(podman container checkpoint "$@" --export "$T/p.tar" --print-stats "ckpt-p$s" 2>&1) || { echo "$out" >&2; return 1; }
    t1=$(t_ms)
    echo "$(echo "$out" | sed -n 's/.*"frozen_time": *\([0-9]*\).*/\1/p' | awk '{printf "%.1f", $1 / 1000}') $((t1 - t0)) \
$(echo "$out" | sed -n 's/.*"runtime_checkpoint_duration": *\([0-9]*\).*/\1/p' | awk '{printf "%.1f", $1 / 1000}') \
$(stat -c %s "$T/p.tar")"
}

for S in "${SIZES[@]}"; do
    var=REPS_$S
    REPS=${!var:-3}
    log "== $S MiB, $REPS repetitions (load $(load_now))"
    B=$CK/bundle-$S
    write_config "$B" "$ROOTFS" "ckpt-r$S" "/hydra-bench-ckpt/r$S" 0 memhog "$S" 1 1000
    # stdio: pipes (CRIU cannot dump a host file outside the container's mounts; runc re-plugs pipes on restore)
    : >"$CK/r$S.out"
    "$RUNC" --root "$RUNC_STATE" run -d --bundle "$B" "ckpt-r$S" < <(:) > >(exec cat >>"$CK/r$S.out") 2>&1
    driver start "$SOCK" "$ROOTFS" "ckpt-h$S" 1 /dev/null -- memhog "$S" 1 1000 >/dev/null
    HLOG=$(evd exits "$SOCK" "ckpt-h$S" | awk '{print $6}')
    if [ "$PODMAN_OK" = 1 ]; then
        podman run -d --network none --name "ckpt-p$S" localhost/memhog memhog "$S" 1 1000 >/dev/null
    fi
    wait_file_grep "$CK/r$S.out" "round 1" 120 || die "runc memhog $S did not fill its memory"
    wait_file_grep "$HLOG" "round 1" 120 || die "hydra memhog $S did not fill its memory"
    if [ "$PODMAN_OK" = 1 ]; then
        end=$((SECONDS + 120))
        until podman logs "ckpt-p$S" 2>/dev/null | grep -q "round 1"; do
            [ $SECONDS -lt $end ] || die "podman memhog $S did not fill its memory"
            sleep 0.2
        done
    fi

    log "warm-up (not counted): one leave-running checkpoint per path; Hydra's through the CLI"
    runc_lr "$S" "$T" >/dev/null
    runc_lr "$S" "$DISK" >/dev/null
    "$HYDRA" --host "unix://$SOCK" checkpoint --leave-running "ckpt-h$S-0" --format json | tr -d '\n ' >&2
    echo >&2
    [ "$PODMAN_OK" = 1 ] && podman_ck "$S" --leave-running >/dev/null

    for rep in $(seq 1 "$REPS"); do
        read -r fr wall bytes < <(runc_lr "$S" "$T")
        rec "$S" runc-lr "$rep" "$fr" "$wall" "$bytes" -
        read -r fr wall bytes < <(runc_lr "$S" "$DISK")
        rec "$S" runcdisk-lr "$rep" "$fr" "$wall" "$bytes" -
        read -r wall fr dur ver logical stored moved < <(ckd checkpoint "$SOCK" "ckpt-h$S-0" --leave-running)
        rec "$S" hydra-lr "$rep" "$fr" "$wall" "$dur" "$stored"
        if [ "$PODMAN_OK" = 1 ]; then
            read -r fr wall rt bytes < <(podman_ck "$S" --leave-running)
            rec "$S" podman-lr "$rep" "$fr" "$wall" "$rt" "$bytes"
        fi

        # stopping checkpoint, then restore
        rm -rf "$T/img" "$T/work" "$T/work-r"
        t0=$(t_ms)
        "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" checkpoint --image-path "$T/img" --work-path "$T/work" \
            "ckpt-r$S" >"$CK/runc-ckpt.out" 2>&1 || { cat "$CK/runc-ckpt.out" >&2; die "runc checkpoint failed"; }
        t1=$(t_ms)
        rec "$S" runc-stop "$rep" "$(ckd stats-dump "$T/work/stats-dump" | awk '{printf "%.1f", $2 / 1000}')" \
            $((t1 - t0)) "$(du -sb "$T/img" | cut -f1)" -
        "$RUNC" --root "$RUNC_STATE" delete "ckpt-r$S" >/dev/null 2>&1 || true
        t0=$(t_ms)
        "$RUNC" --root "$RUNC_STATE" --criu "$CRIU" restore -d --image-path "$T/img" --work-path "$T/work-r" \
            --bundle "$B" "ckpt-r$S" < <(:) > >(exec cat >>"$CK/r$S.out") 2>&1 || { tail -n 5 "$T/work-r/restore.log" >&2; die "runc restore failed"; }
        t1=$(t_ms)
        [ "$("$RUNC" --root "$RUNC_STATE" state "ckpt-r$S" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p')" = running ] \
            || die "runc container not running after restore"
        rec "$S" runc-restore "$rep" - $((t1 - t0)) - -

        read -r wall fr dur ver logical stored moved < <(ckd checkpoint "$SOCK" "ckpt-h$S-0")
        rec "$S" hydra-stop "$rep" "$fr" "$wall" "$dur" "$stored"
        read -r wall dur moved logical < <(ckd restore "$SOCK" "ckpt-h$S-0")
        rec "$S" hydra-restore "$rep" - "$wall" "$dur" "$moved"

        if [ "$PODMAN_OK" = 1 ]; then
            read -r fr wall rt bytes < <(podman_ck "$S")
            rec "$S" podman-stop "$rep" "$fr" "$wall" "$rt" "$bytes"
            podman rm -f -t 0 "ckpt-p$S" >/dev/null
            t0=$(t_ms)
            out=$(podman container restore --import "$T/p.tar" --print-stats 2>&1) || { echo "$out" >&2; die "podman restore failed"; }
            t1=$(t_ms)
            rec "$S" podman-restore "$rep" - $((t1 - t0)) \
                "$(echo "$out" | sed -n 's/.*"runtime_restore_duration": *\([0-9]*\).*/\1/p' | awk '{printf "%.1f", $1 / 1000}')" -
        fi
    done
    # the containers are still alive after all that
    sleep 1.5
    r1=$(last_round "$CK/r$S.out")
    h1=$(last_round "$HLOG")
    echo "after $S MiB: runc memhog at round $r1, hydra memhog at round $h1 ($(evd exits "$SOCK" "ckpt-h$S" | awk '{print $3}'))" | tee -a "$SUMMARY"
    "$RUNC" --root "$RUNC_STATE" delete -f "ckpt-r$S" >/dev/null 2>&1 || true
    driver rm-all "$SOCK" "ckpt-h$S" >/dev/null
    [ "$PODMAN_OK" = 1 ] && podman rm -f -t 0 "ckpt-p$S" >/dev/null
    rm -rf "$T/img" "$T/work" "$T/work-r" "$T/p.tar" "$DISK/img" "$DISK/work"
done
echo "hydra storage after all sizes: $(du -sb "$ROOT/storage" | cut -f1) bytes" | tee -a "$SUMMARY"

# ---- summary: medians per size and method, and the ratios
{
    echo
    echo "medians (ms; n = repetitions); load average at each measurement in $DATA"
    awk '
    function median(key,   n, i, j, t, arr) {
        n = split(vals[key], arr, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] + 0 < arr[i] + 0) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
        if (n == 0) return "-"
        return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
    }
    {
        k = $1 " " $2
        if (!(k in seen)) { seen[k] = 1; order[++no] = k }
        if ($4 != "-") fro[k] = fro[k] " " $4
        tot[k] = tot[k] " " $5
        if ($6 != "-") ex[k] = ex[k] " " $6
        cnt[k]++
        if (!($1 in sz)) { sz[$1] = 1; sizes[++ns] = $1 }
    }
    END {
        printf "%-6s %-15s %3s %10s %10s %12s\n", "MiB", "method", "n", "frozen", "total", "extra(med)"
        for (i = 1; i <= no; i++) {
            k = order[i]
            vals[k "f"] = fro[k]; vals[k "t"] = tot[k]; vals[k "e"] = ex[k]
            F[k] = median(k "f"); TT[k] = median(k "t"); E[k] = median(k "e")
            split(k, p, " ")
            printf "%-6s %-15s %3d %10s %10s %12s\n", p[1], p[2], cnt[k], F[k], TT[k], E[k]
        }
        print ""
        print "ratios of medians (frozen: CRIU frozen_time; total: wall time of the command or call)"
        for (j = 1; j <= ns; j++) {
            s = sizes[j]
            r = s " runc-lr"; rs = s " runc-stop"; rr = s " runc-restore"
            if ((s " hydra-lr") in F && F[r] > 0)
                printf "%s MiB: hydra-lr/runc-lr frozen %.2f total %.2f | runcdisk-lr/runc-lr frozen %.2f | hydra-lr/runcdisk-lr frozen %.2f\n", s, F[s " hydra-lr"] / F[r], TT[s " hydra-lr"] / TT[r], F[s " runcdisk-lr"] / F[r], F[s " hydra-lr"] / F[s " runcdisk-lr"]
            if ((s " hydra-stop") in F && F[rs] > 0)
                printf "%s MiB: hydra-stop/runc-stop frozen %.2f total %.2f | hydra-restore/runc-restore %.2f\n", s, F[s " hydra-stop"] / F[rs], TT[s " hydra-stop"] / TT[rs], TT[s " hydra-restore"] / TT[rr]
            if ((s " podman-lr") in F && F[r] > 0)
                printf "%s MiB: podman-lr/runc-lr frozen %.2f total %.2f | podman-stop/runc-stop frozen %.2f total %.2f | podman-restore/runc-restore %.2f | hydra-lr/podman-lr frozen %.2f total %.2f | hydra-restore/podman-restore %.2f\n", s, F[s " podman-lr"] / F[r], TT[s " podman-lr"] / TT[r], F[s " podman-stop"] / F[rs], TT[s " podman-stop"] / TT[rs], TT[s " podman-restore"] / TT[rr], F[s " hydra-lr"] / F[s " podman-lr"], TT[s " hydra-lr"] / TT[s " podman-lr"], TT[s " hydra-restore"] / TT[s " podman-restore"]
        }
    }' "$DATA"
    echo "extra: runc = image bytes; hydra ck = daemon durationMs (restore: movedBytes in data); podman = runtime duration ms"
    echo "podman: ${PODMAN_OK} ${PODMAN_ERROR}"
    echo "load at end: $(load_now)"
} | tee -a "$SUMMARY"
echo "raw: $DATA" | tee -a "$SUMMARY"
