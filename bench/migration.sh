#!/usr/bin/env bash
# Live migration benchmark (issue 11): `hydra migrate NAME --to NODE --mode M --format json` of a memhog container
# between two clustered daemons on this machine (scripts/three-nodes.sh of the Hydra under test with only nodes
# n2 and n3: etcd, S3Proxy as the store, mutual TLS, encrypted checkpoints), against Podman's stop-and-copy
# (`podman container checkpoint --export FILE`, then `podman container restore --import FILE`) on the same machine.
#
# The container: `sh -c 'memhog MIB RATE 1000 [RUN_KIB] & exec stamper STAMP_MS'`: memhog (it/src/test/resources/
# memhog.c) holds MIB of random memory and rewrites RATE% of its pages every second; the stamper (lib-migration.sh)
# prints the wall clock every STAMP_MS (10) ms. The largest gap between two consecutive stamps, from the source's
# log and the target's, is the downtime the container itself saw ("observed"); "reported" is the summary's
# downtimeMs (the freeze to the target's RUNNING record).
# For each size, rate and mode, a fresh container starts on node A and fills its memory (memhog's "round 3"), then
# moves A->B (the store holds nothing of it: the figure the ratios use) and back B->A (the store and A's pack cache
# hold its earlier versions, so a stop-and-copy moves only what changed). A mode the daemon refuses is reported as
# "refused" (postcopy in this build), so the script runs unchanged once it exists.
# Usage: bench/migration.sh [MIB...]            (default: 256 1024)
#   RATES="1 20"   percent of memory rewritten per second     REPS=1   repetitions per size, rate and mode
#   PODMAN=1       0: skip Podman                              MODES="stopcopy precopy postcopy"
#   MAX_ROUNDS= THRESHOLD=   passed as --max-rounds / --threshold (default: the daemon's)
#   RUN_KIB=       memhog's 4th argument (dirty distinct runs of RUN_KIB at random places instead of one stretch)
#   NODES="n2 n3"  A and B (n1 runs in a network namespace)     WARMUP=1  one uncounted 64 MiB move there and back
#   BENCH_HYDRA_HOME   the build under test (bench/snapshot.sh), as the other benches
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-migration.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(256 1024)
RATES=${RATES:-1 20}
REPS=${REPS:-1}
PODMAN=${PODMAN:-1}
MODES=${MODES:-stopcopy precopy postcopy}
MAX_ROUNDS=${MAX_ROUNDS:-}
THRESHOLD=${THRESHOLD:-}
RUN_KIB=${RUN_KIB:-}
STAMP_MS=${STAMP_MS:-10}
WARMUP=${WARMUP:-1}
read -r A B <<<"${NODES:-n2 n3}"
[ -n "$A" ] && [ -n "$B" ] && [ "$A" != "$B" ] || die "NODES must name two different nodes of n1 n2 n3"
for v in "${SIZES[@]}" $RATES $REPS; do [[ $v =~ ^[0-9]+$ ]] || die "sizes, RATES and REPS are whole numbers, got '$v'"; done
for m in $MODES; do case $m in stopcopy|precopy|postcopy) ;; *) die "unknown mode '$m' in MODES" ;; esac; done
for c in jq gcc etcd etcdctl openssl conmon ss "$RUNC" /usr/local/sbin/criu; do
    command -v "$c" >/dev/null 2>&1 || die "missing prerequisite: $c (scripts/setup-host.sh installs it)"
done
[ -f "$HYDRA_HOME_UNDER_TEST/cli/target/hydra-cli-0.1.0-SNAPSHOT.jar" ] || die "CLI not built in $HYDRA_HOME_UNDER_TEST"

ROOTFS=$MIG/rootfs
TARS=$MIG/podman
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
DATA=$RESULTS/migration-$STAMP.data
ROUNDS_DATA=$RESULTS/migration-$STAMP.rounds
SPLIT_DATA=$RESULTS/migration-$STAMP.split
JSONL=$RESULTS/migration-$STAMP.jsonl
SUMMARY=$RESULTS/migration-$STAMP.txt
LEGS=$MIG/legs
rm -rf "$LEGS"
mkdir -p "$RESULTS" "$TARS" "$LEGS"
TAIL_PID=

cleanup() {
    set +e
    [ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null
    if [ "$PODMAN_OK" = 1 ]; then
        podman rm -f -t 0 $(podman ps -aq --filter name=migp-) >/dev/null 2>&1
    fi
    for n in "$A" "$B"; do
        [ -f "$CLUSTER_STATE/$n/daemon.log" ] && cp "$CLUSTER_STATE/$n/daemon.log" "$RESULTS/migration-$STAMP-$n-daemon.log"
    done
    cluster_down
    rm -rf "$TARS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_memhog_rootfs "$ROOTFS"
make_stamper "$ROOTFS"
if [ "$PODMAN" = 1 ]; then
    podman_setup "$ROOTFS"
    if [ "$PODMAN_OK" = 1 ]; then
        podman rmi -f localhost/hydra-mig-memhog >/dev/null 2>&1 || true
        tar -C "$ROOTFS" -c . | podman import - localhost/hydra-mig-memhog >/dev/null 2>&1 \
            || { PODMAN_OK=0; PODMAN_ERROR="import of the memhog rootfs failed"; }
    fi
    [ "$PODMAN_OK" = 1 ] || log "podman unusable: $PODMAN_ERROR"
fi

{
    echo "== live migration benchmark $STAMP"
    machine_info
    echo "criu: $(/usr/local/sbin/criu --version | head -n1)"
    echo "sizes: ${SIZES[*]} MiB; rates: $RATES %/s; reps: $REPS; modes: $MODES; nodes: $A -> $B and back"
    echo "container: sh -c 'memhog MIB RATE 1000 $RUN_KIB & exec stamper $STAMP_MS'; max-rounds: ${MAX_ROUNDS:-daemon default}; threshold: ${THRESHOLD:-daemon default}"
    echo "podman: $([ "$PODMAN_OK" = 1 ] && echo "export/import to $TARS (disk)" || echo "skipped ${PODMAN_ERROR:-(PODMAN=0)}")"
} | tee "$SUMMARY"

log "starting nodes $A and $B (scripts/three-nodes.sh, state in $CLUSTER_STATE)"
cluster_up "$A" "$B"

start_on() { # NODE NAME MIB RATE: a fresh memhog+stamper on NODE, memory filled
    local n=$1 name=$2 s=$3 r=$4 node logf
    hy "$n" rm -f "$name" >/dev/null 2>&1 || true
    hy "$n" run -d --name "$name" --rootfs "$ROOTFS" -- sh -c "memhog $s $r 1000 $RUN_KIB & exec stamper $STAMP_MS" >/dev/null
    node=$(hy "$n" inspect "$name" | jq -r .node)
    [ "$node" = "$n" ] || die "$name was placed on node $node, not $n"
    logf=$(hy "$n" inspect "$name" | jq -r .logPath)
    wait_round "$logf" 3 $((60 + s / 8)) || die "memhog of $name did not fill its memory (log $logf)"
}

# leg NAME FROM TO MODE TAG: one migration; sets L_STATUS (ok|refused|failed), L_JSON, L_OBS, L_PAUSES, L_WALL
leg() {
    local name=$1 from=$2 to=$3 mode=$4 tag=$5 slog tlog t0 t1 args err end
    slog=$(hy "$from" inspect "$name" | jq -r .logPath)
    tail -n +1 -f "$slog" >"$LEGS/$tag.src" 2>/dev/null &
    TAIL_PID=$!
    args=(migrate "$name" --to "$to" --mode "$mode" --format json)
    [ -z "$MAX_ROUNDS" ] || args+=(--max-rounds "$MAX_ROUNDS")
    [ -z "$THRESHOLD" ] || args+=(--threshold "$THRESHOLD")
    L_STATUS=failed L_OBS=- L_PAUSES=- L_JSON='{}' L_SPLIT="- - - - -"
    end=$((SECONDS + 30))
    while :; do
        t0=$(now_ms)
        if hy "$from" "${args[@]}" >"$LEGS/$tag.json" 2>"$LEGS/$tag.err"; then
            L_STATUS=ok
            break
        fi
        err=$(tr '\n' ' ' <"$LEGS/$tag.err")
        # a container a few seconds old may have no ownership record yet: the ownership pass writes it
        if [[ $err == *"no ownership record yet"* ]] && [ $SECONDS -lt $end ]; then sleep 1; continue; fi
        [[ $err == *"not available in this version"* ]] && L_STATUS=refused
        break
    done
    t1=$(now_ms)
    L_WALL=$((t1 - t0))
    if [ "$L_STATUS" = ok ]; then
        L_JSON=$(jq -c . "$LEGS/$tag.json")
        tlog=$(hy "$to" inspect "$name" | jq -r .logPath)
        wait_stamp_after $((t1 + 1000)) 30 "$tlog" || log "$tag: no stamp from the target 1 s after the move"
        read -r L_OBS _ L_PAUSES < <(max_gap $((t0 - 1000)) $((t1 + 1000)) "$LEGS/$tag.src" "$tlog")
        L_SPLIT=$(downtime_split "$name" "$from" "$to" "$L_JSON")
    else
        log "$tag: $L_STATUS: $(tr '\n' ' ' <"$LEGS/$tag.err" | cut -c1-300)"
    fi
    kill "$TAIL_PID" 2>/dev/null || true
    wait "$TAIL_PID" 2>/dev/null || true
    TAIL_PID=
    echo "$tag $L_STATUS $L_JSON $(tr '\n' ' ' <"$LEGS/$tag.err" | cut -c1-400)" >>"$JSONL"
}

# rec SIZE RATE MODE LEG REP STATUS REPORTED OBSERVED TOTAL BYTES ROUNDS WALL PAUSES
rec() { echo "$* $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$DATA" >&2; }

rec_leg() { # SIZE RATE MODE LEGNAME REP
    local j=$L_JSON
    if [ "$L_STATUS" = ok ]; then
        rec "$1" "$2" "$3" "$4" "$5" ok "$(jq -r .downtimeMs <<<"$j")" "$L_OBS" "$(jq -r .totalMs <<<"$j")" \
            "$(jq -r .bytesMoved <<<"$j")" "$(jq -r .rounds <<<"$j")" "$L_WALL" "$L_PAUSES"
        echo "$1 $2 $3 $4 $5 $(jq -r .downtimeMs <<<"$j") $L_SPLIT" >>"$SPLIT_DATA"
        jq -r --arg p "$1 $2 $4 $5" '.roundDetails[] | "\($p) \(.round) \(.imageBytes) \(.newBytes) \(.changedBytes) \(.durationMs) \(.frozenMs) \(.decision)"' \
            <<<"$j" >>"$ROUNDS_DATA"
    else
        rec "$1" "$2" "$3" "$4" "$5" "$L_STATUS" - - - - - "$L_WALL" -
    fi
}

if [ "$WARMUP" = 1 ]; then
    log "warm-up (not counted): 64 MiB stopcopy $A -> $B -> $A"
    start_on "$A" mig-warm 64 1
    leg mig-warm "$A" "$B" stopcopy warm-1
    [ "$L_STATUS" = ok ] || die "the warm-up migration failed: $(cat "$LEGS/warm-1.err")"
    leg mig-warm "$B" "$A" stopcopy warm-2
    [ "$L_STATUS" = ok ] || die "the warm-up migration back failed: $(cat "$LEGS/warm-2.err")"
    hy "$A" rm -f mig-warm >/dev/null
fi

podman_leg() { # SIZE RATE REP
    local s=$1 r=$2 rep=$3 name=migp-$1-$2 t0 t1 t2 t3 out obs pauses
    podman rm -f -t 0 "$name" "$name-r" >/dev/null 2>&1 || true
    rm -f "$TARS/p.tar"
    podman run -d --network none --name "$name" localhost/hydra-mig-memhog \
        sh -c "memhog $s $r 1000 $RUN_KIB & exec stamper $STAMP_MS" >/dev/null
    end=$((SECONDS + 60 + s / 8))
    until [ "$(podman logs "$name" 2>/dev/null | grep -o 'round [0-9]*' | tail -n1 | awk '{print $2}')" -ge 3 ] 2>/dev/null; do
        [ $SECONDS -lt $end ] || die "podman memhog $s did not fill its memory"
        sleep 0.2
    done
    t0=$(now_ms)
    out=$(podman container checkpoint --export "$TARS/p.tar" "$name" 2>&1) || { echo "$out" >&2; die "podman checkpoint failed"; }
    t1=$(now_ms)
    podman logs "$name" >"$LEGS/podman.pre" 2>&1
    # a new name, so no `podman rm` of the checkpointed container sits inside the downtime
    t2=$(now_ms)
    out=$(podman container restore --import "$TARS/p.tar" --name "$name-r" 2>&1) || { echo "$out" >&2; die "podman restore failed"; }
    t3=$(now_ms)
    end=$((SECONDS + 30))
    until podman logs "$name-r" >"$LEGS/podman.post" 2>&1 && [ "$(last_stamp "$LEGS/podman.post")" -gt $((t3 + 1000)) ]; do
        [ $SECONDS -lt $end ] || { log "podman: no stamp 1 s after the restore"; break; }
        sleep 0.2
    done
    read -r obs _ pauses < <(max_gap $((t0 - 1000)) $((t3 + 1000)) "$LEGS/podman.pre" "$LEGS/podman.post")
    rec "$s" "$r" podman export+import "$rep" ok $(((t1 - t0) + (t3 - t2))) "$obs" $((t3 - t0)) \
        "$(stat -c %s "$TARS/p.tar")" - $((t3 - t0)) "$pauses"
    echo "$s $r podman export+import $rep $(((t1 - t0) + (t3 - t2))) $((t1 - t0)) - - $((t3 - t2)) -" >>"$SPLIT_DATA"
    podman rm -f -t 0 "$name" "$name-r" >/dev/null 2>&1 || true
    rm -f "$TARS/p.tar"
}

for S in "${SIZES[@]}"; do
    for R in $RATES; do
        for rep in $(seq 1 "$REPS"); do
            for M in $MODES; do
                name=mig-$S-$R-$M
                log "== $S MiB, $R%/s, $M, rep $rep (load $(load_now))"
                start_on "$A" "$name" "$S" "$R"
                leg "$name" "$A" "$B" "$M" "$S-$R-$M-$rep-1"
                rec_leg "$S" "$R" "$M" "$A>$B" "$rep"
                at=$A
                if [ "$L_STATUS" = ok ]; then
                    at=$B
                    leg "$name" "$B" "$A" "$M" "$S-$R-$M-$rep-2"
                    rec_leg "$S" "$R" "$M" "$B>$A" "$rep"
                    [ "$L_STATUS" = ok ] && at=$A
                fi
                hy "$at" rm -f "$name" >/dev/null 2>&1 || hy "$A" rm -f "$name" >/dev/null 2>&1 \
                    || hy "$B" rm -f "$name" >/dev/null 2>&1 || true
            done
            if [ "$PODMAN_OK" = 1 ]; then
                log "== $S MiB, $R%/s, podman export+import, rep $rep (load $(load_now))"
                podman_leg "$S" "$R" "$rep"
            fi
        done
    done
done

# ---- summary: one table per size and rate (medians over REPS), the pre-copy rounds, the ratios
{
    echo
    echo "medians over $REPS rep(s); ms unless said; raw: $DATA, rounds: $ROUNDS_DATA, summaries: $JSONL"
    awk -v A="$A" -v B="$B" '
    function median(s,   n, i, j, t, a) {
        n = split(s, a, " ")
        if (n == 0) return "-"
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function add(k, f, v) { if (v != "-" && v != "") V[k, f] = V[k, f] " " v }
    function m(k, f) { return median(V[k, f]) }
    function mb(x) { return x == "-" ? "-" : sprintf("%.1f", x / 1048576) }
    function r2(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b) }
    {
        sr = $1 " " $2; k = sr " " $3 " " $4
        if (!(sr in seen_sr)) { seen_sr[sr] = 1; order_sr[++nsr] = sr }
        if (!(k in seen)) { seen[k] = 1; keys[sr] = keys[sr] " " $3 "|" $4; st[k] = $6 }
        else if (index("/" st[k] "/", "/" $6 "/") == 0) st[k] = st[k] "/" $6
        if ($6 == "ok") { add(k, "rep", $7); add(k, "obs", $8); add(k, "tot", $9); add(k, "b", $10); add(k, "rd", $11) }
        load[sr] = load[sr] " " $NF
    }
    END {
        for (i = 1; i <= nsr; i++) {
            sr = order_sr[i]; split(sr, p, " ")
            print ""
            printf "### %s MiB, %s%% of memory rewritten per second (load: %s)\n\n", p[1], p[2], load[sr]
            print "| mode | direction | downtime reported | downtime observed | total | MiB moved | rounds |"
            print "|---|---|---|---|---|---|---|"
            n = split(keys[sr], ks, " ")
            for (j = 1; j <= n; j++) {
                split(ks[j], q, "|"); k = sr " " q[1] " " q[2]
                if (st[k] != "ok") { printf "| %s | %s | %s | | | | |\n", q[1], q[2], st[k]; continue }
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", q[1], q[2], m(k, "rep"), m(k, "obs"), m(k, "tot"), mb(m(k, "b")), m(k, "rd")
            }
            s1 = sr " stopcopy " A ">" B; p1 = sr " precopy " A ">" B; pc = sr " postcopy " A ">" B; pd = sr " podman export+import"
            print ""
            printf "- precopy / stopcopy downtime (%s>%s): reported %s, observed %s (goal <= 0.30 at 1 GiB, low rate)\n", A, B, r2(m(p1, "rep"), m(s1, "rep")), r2(m(p1, "obs"), m(s1, "obs"))
            if ((pc in st) && st[pc] == "ok")
                printf "- postcopy / stopcopy downtime (%s>%s): reported %s, observed %s\n", A, B, r2(m(pc, "rep"), m(s1, "rep")), r2(m(pc, "obs"), m(s1, "obs"))
            if (pd in st)
                printf "- Hydra stopcopy (%s>%s) / podman export+import: downtime reported %s, observed %s; total %s\n", A, B, r2(m(s1, "rep"), m(pd, "rep")), r2(m(s1, "obs"), m(pd, "obs")), r2(m(s1, "tot"), m(pd, "tot"))
        }
    }' "$DATA"
    if [ -s "$ROUNDS_DATA" ]; then
        echo
        echo "pre-copy rounds (MiB; the last round's decision is why the rounds ended):"
        echo
        echo "| MiB | %/s | direction | rep | round | image | new | changed | round ms | frozen ms | decision |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        awk '{ d = ""; for (i = 11; i <= NF; i++) d = d (d ? " " : "") $i
               printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5,
                   ($6 == "-" ? "-" : sprintf("%.1f", $6 / 1048576)), ($7 == "-" ? "-" : sprintf("%.1f", $7 / 1048576)),
                   ($8 == "-" ? "-" : sprintf("%.1f", $8 / 1048576)), $9, $10, d }' "$ROUNDS_DATA"
    fi
    if [ -s "$SPLIT_DATA" ]; then
        echo
        echo "where the downtime went (ms, each leg): dump = CRIU's frozen time of the stopping dump (all memory, no dirty"
        echo "tracking); source = the rest until the handover (hash every page, pack, encrypt, upload the new ones, the"
        echo "compare-and-set); notice = until the target starts; restore = until it runs there, of which fetch = getting"
        echo "the image out of the pack cache and the store and writing it (before CRIU restore). podman: dump = checkpoint"
        echo "--export, restore = restore --import."
        echo
        echo "| MiB | %/s | mode | direction | rep | downtime | dump | source | notice | restore | of which fetch |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$SPLIT_DATA"
    fi
    echo
    echo "observed: the largest gap between the container's own 10 ms wall-clock stamps (its stamper), from the"
    echo "source's log and the target's; reported: the summary's downtimeMs. podman: checkpoint --export plus"
    echo "restore --import wall time as 'reported', the tar's size as 'moved'. Pauses over 100 ms per leg in $DATA."
    echo "load at end: $(load_now)"
} | tee -a "$SUMMARY"
echo "summary: $SUMMARY"
