# Helpers of bench/migration.sh: the stamping process, the two-node cluster (scripts/three-nodes.sh of the Hydra
# under test, in a state directory of our own), and the gap analysis. Source it after lib.sh and lib-ckpt.sh.
# shellcheck shell=bash

MIG=${MIG_WORK:-$WORK/migration}
CLUSTER_STATE=$MIG/cluster
THREE_NODES=$HYDRA_HOME_UNDER_TEST/scripts/three-nodes.sh
CLUSTER_STARTED=0
mkdir -p "$MIG"

# make_stamper DIR: DIR/bin/stamper, a static C program printing "stamp <epoch ms>" (CLOCK_REALTIME, which CRIU's
# time namespace leaves alone, unlike the monotonic and boot clocks) every MS milliseconds, flushed at once.
make_stamper() {
    local dir=$1 src=$MIG/stamper.c
    cat >"$src.new" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
    long ms = argc > 1 ? atol(argv[1]) : 10;
    struct timespec t, d = { ms / 1000, (ms % 1000) * 1000000L };
    for (;;) {
        clock_gettime(CLOCK_REALTIME, &t);
        printf("stamp %lld%03ld\n", (long long) t.tv_sec, t.tv_nsec / 1000000L);
        fflush(stdout);
        nanosleep(&d, NULL);
    }
}
EOF
    if ! cmp -s "$src.new" "$src" || [ ! -x "$dir/bin/stamper" ]; then
        mv "$src.new" "$src"
        gcc -static -O2 -o "$dir/bin/stamper" "$src" || die "cannot compile the stamper"
    else
        rm -f "$src.new"
    fi
}

# hy NODE ARGS...: the CLI against NODE's socket.
hy() {
    local n=$1
    shift
    HYDRA_HOST=unix://$CLUSTER_STATE/$n/hydra.sock "$HYDRA" "$@"
}

# cluster_up NODE...: scripts/three-nodes.sh start with only these nodes (NODES_ORDER), state in $CLUSTER_STATE.
# Refuses to start over another three-nodes cluster (same fixed addresses and ports): its stop would tear ours down
# and ours would use its etcd.
cluster_up() {
    [ -x "$THREE_NODES" ] || die "missing $THREE_NODES"
    if [ -d "$CLUSTER_STATE" ]; then
        log "a cluster of an earlier run is in $CLUSTER_STATE: stopping it first"
        HYDRA_THREE_NODES_DIR=$CLUSTER_STATE "$THREE_NODES" stop >/dev/null 2>&1 || true
    fi
    local busy
    busy=$(ss -Hltn 2>/dev/null | awk '{print $4}' | grep -E '^10\.78\.[01]\.[0-9]+:(23790|23800|29000|7443)$' || true)
    [ -z "$busy" ] || die "another scripts/three-nodes.sh cluster listens on $(echo "$busy" | tr '\n' ' ')(state in" \
        "/var/tmp/hydra-three-nodes or HYDRA_THREE_NODES_DIR): stop it first"
    CLUSTER_STARTED=1
    HYDRA_THREE_NODES_DIR=$CLUSTER_STATE NODES_ORDER="$*" "$THREE_NODES" start >"$MIG/three-nodes.out" 2>&1 \
        || { tail -n 20 "$MIG/three-nodes.out" >&2; die "scripts/three-nodes.sh start failed"; }
    local n end=$((SECONDS + 60))
    for n in "$@"; do
        until hy "$1" nodes 2>/dev/null | awk -v n="$n" '$1 == n && $3 == "ready" {ok = 1} END {exit !ok}'; do
            [ $SECONDS -lt $end ] || die "node $n is not ready in the cluster (hydra nodes on $1)"
            sleep 0.5
        done
    done
}

cluster_down() {
    [ "$CLUSTER_STARTED" = 1 ] || return 0
    HYDRA_THREE_NODES_DIR=$CLUSTER_STATE "$THREE_NODES" stop >>"$MIG/three-nodes.out" 2>&1 || true
    CLUSTER_STARTED=0
}

# stamps FILE...: the stamps (epoch ms) of k8s-file log lines or plain lines, sorted, each once.
stamps() {
    cat "$@" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "stamp") { print $(i + 1); break } }' | sort -n -u
}

# max_gap FROM_MS TO_MS FILE...: "GAP_MS AT_MS PAUSES" over the stamps within [FROM, TO]: the largest gap between two
# consecutive stamps, where it began, and every gap over 100 ms as gap@offset-from-FROM (the pre-copy rounds' freezes
# show there too). "- - -" when there are no stamps on both sides of a gap.
max_gap() {
    local from=$1 to=$2
    shift 2
    stamps "$@" | awk -v f="$from" -v t="$to" '
        $1 >= f && $1 <= t { if (n++) { g = $1 - p; if (g > m) { m = g; at = p } if (g > 100) s = s (s ? "," : "") g "@" (p - f) } p = $1 }
        END { if (n < 2) print "- - -"; else print m, at, (s ? s : "none") }'
}

# last_stamp FILE...: the newest stamp (0 when none).
last_stamp() { stamps "$@" | tail -n1 | awk '{print $1} END { if (NR == 0) print 0 }'; }

# wait_stamp_after MS SECONDS FILE...: until a stamp newer than MS shows in the files.
wait_stamp_after() {
    local ms=$1 end=$((SECONDS + $2))
    shift 2
    while [ $SECONDS -lt "$end" ]; do
        [ "$(last_stamp "$@")" -gt "$ms" ] && return 0
        sleep 0.2
    done
    return 1
}

# wait_round FILE N SECONDS: until memhog's "round N" (or later) is in FILE.
wait_round() {
    local f=$1 want=$2 end=$((SECONDS + $3))
    while [ $SECONDS -lt "$end" ]; do
        [ "$(last_round "$f")" -ge "$want" ] && return 0
        sleep 0.2
    done
    return 1
}

mib() { awk -v b="$1" 'BEGIN { if (b == "-" || b == "") print "-"; else printf "%.1f", b / 1048576 }'; }

# log_ms NODE TEXT [TEXT2]: the time (ms of the day) of the last line of NODE's daemon log containing TEXT (and
# TEXT2); "" if none.
log_ms() {
    grep -F -- "$2" "$CLUSTER_STATE/$1/daemon.log" 2>/dev/null | grep -F -- "${3:-$2}" | tail -n1 \
        | awk '{ n = split($1, t, ":"); if (n == 3) printf "%d\n", (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }'
}

# downtime_split NAME FROM TO JSON: "CRIU SOURCE NOTICE RESTORE FETCH" ms of one migration's downtime, from the
# daemons' logs and records: CRIU = the final version's frozenMs (CRIU's frozen time of the stopping dump: every page
# of the container dumped, there is no dirty tracking here); SOURCE = the rest until the handover (reading and hashing
# every page of the image, packing, encrypting and uploading the new ones, the compare-and-set); NOTICE = until the
# target starts restoring; RESTORE = until the target runs it (fetching the image from its pack cache and the store,
# writing it out, CRIU restore), FETCH = the part of RESTORE before CRIU starts (the restored event's durationMs).
# The freeze instant is the target's RUNNING time less the reported downtime. "-" for what cannot be found.
downtime_split() {
    local name=$1 from=$2 to=$3 j=$4 v e down handed restoring runs criu fetch
    v=$(jq -r .version <<<"$j")
    e=$(jq -r .epoch <<<"$j")
    down=$(jq -r .downtimeMs <<<"$j")
    handed=$(log_ms "$from" "handed $name to node $to at epoch $e (version $v)")
    restoring=$(log_ms "$to" "restoring migrated container $name (" "from node $from: version $v, epoch $e")
    runs=$(log_ms "$to" "migrated container $name runs on node $to (version $v, epoch $e)")
    criu=$(hy "$to" checkpoints "$name" --format json 2>/dev/null | jq -r --argjson v "$v" '.[] | select(.version == $v) | .frozenMs' 2>/dev/null)
    fetch=$(hy "$to" events --container "$name" --type container.restored --format json 2>/dev/null | tail -n1 \
        | jq -r '.data.durationMs // empty' 2>/dev/null)
    if [ -z "$handed" ] || [ -z "$restoring" ] || [ -z "$runs" ]; then
        echo "${criu:--} - - - ${fetch:--}"
        return 0
    fi
    local freeze=$((runs - down))
    echo "${criu:--} $((handed - freeze - ${criu:-0})) $((restoring - handed)) $((runs - restoring)) ${fetch:--}"
}
