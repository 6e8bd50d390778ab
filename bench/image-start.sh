#!/bin/bash
# usage: bench/image-start.sh [N]   (default 100)
# Start of N `sleep` containers, one after another, and the disk they use, for:
#   image   Hydra through the gRPC API from the busybox image (scripts/busybox-image.sh, imported): an overlay per
#           container over the node's layer cache, its own upper dir
#   rootfs  Hydra through the gRPC API with --rootfs: the same busybox tree used in place (shared by all)
#   podman  `podman run -d --network none` of the same OCI image (pulled from the layout into its own storage)
# Start: ms per container (median, p95) and ratios to rootfs. Disk: bytes added under each engine's state for
# the N containers (du -sx before and after), per container.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${1:-100}
B=$WORK/image-start
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
SUMMARY=$RESULTS/image-start-$(date +%Y%m%d-%H%M%S).txt
mkdir -p "$RESULTS"
cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$B/hydra.sock" >/dev/null 2>&1 || true
        stop_daemon
    fi
    [ -d "$B/root" ] && force_clean_root "$B/root"
    podman_clean
}
trap cleanup EXIT
out() { echo "$*" | tee -a "$SUMMARY"; }
du_bytes() { du -sxb "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

[ -d "$B/root" ] && force_clean_root "$B/root"
rm -rf "$B"
mkdir -p "$B/times"
machine_info | tee "$SUMMARY" >&2
out "containers: $N (sleep 100000), sequential, after 5 warm-up containers per method"

"$REPO/scripts/busybox-image.sh" "$B/busybox" latest >/dev/null
make_rootfs "$B/rootfs"

start_daemon "$B/root" "$B/hydra.sock" "$B/daemon.log" >/dev/null
export HYDRA_HOST=unix://$B/hydra.sock
"$HYDRA" image import "$B/busybox" >/dev/null
driver start "$B/hydra.sock" image:busybox warm-i 5 /dev/null >/dev/null
driver start "$B/hydra.sock" "$B/rootfs" warm-r 5 /dev/null >/dev/null
driver rm-all "$B/hydra.sock" >/dev/null

hydra_state() { du_bytes "$B/root/containers" "$B/root/layers"; }
before=$(hydra_state)
driver start "$B/hydra.sock" image:busybox img "$N" "$B/times/image.txt" >/dev/null
after=$(hydra_state)
image_disk=$(( (after - before) / N ))
layers=$(du_bytes "$B/root/layers")
driver rm-all "$B/hydra.sock" >/dev/null

before=$(hydra_state)
driver start "$B/hydra.sock" "$B/rootfs" rfs "$N" "$B/times/rootfs.txt" >/dev/null
after=$(hydra_state)
rootfs_disk=$(( (after - before) / N ))
driver rm-all "$B/hydra.sock" >/dev/null

podman_setup "$B/rootfs"
if [ "$PODMAN_OK" = 1 ]; then
    # the id of the image pulled from the same OCI layout Hydra imported (not podman_setup's own import)
    pimg=$(podman pull -q "oci:$B/busybox:latest" | tail -n1)
    for i in 1 2 3 4 5; do podman run -d --network none --name "pwarm-$i" "$pimg" sleep 100000 >/dev/null; done
    podman rm -fa -t 0 >/dev/null
    before=$(du_bytes "$PODMAN_DIR/graph" "$PODMAN_DIR/run")
    : >"$B/times/podman.txt"
    for i in $(seq "$N"); do
        t0=$EPOCHREALTIME
        podman run -d --network none --name "p-$i" "$pimg" sleep 100000 >/dev/null
        t1=$EPOCHREALTIME
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >>"$B/times/podman.txt"
    done
    after=$(du_bytes "$PODMAN_DIR/graph" "$PODMAN_DIR/run")
    podman_disk=$(( (after - before) / N ))
    podman rm -fa -t 0 >/dev/null
else
    out "podman: not run: $PODMAN_ERROR"
fi

img_med=$(median_of "$B/times/image.txt"); rfs_med=$(median_of "$B/times/rootfs.txt")
out ""
out "| start ($N containers) | median ms | p95 ms | ratio to --rootfs | disk per container (bytes) |"
out "| --- | ---: | ---: | ---: | ---: |"
out "| hydra --rootfs (in place) | $rfs_med | $(p95_of "$B/times/rootfs.txt") | 1.00 | $rootfs_disk |"
out "| hydra image (overlay) | $img_med | $(p95_of "$B/times/image.txt") | $(ratio "$img_med" "$rfs_med") | $image_disk |"
if [ "$PODMAN_OK" = 1 ]; then
    pod_med=$(median_of "$B/times/podman.txt")
    out "| podman run -d (CLI, overlay) | $pod_med | $(p95_of "$B/times/podman.txt") | $(ratio "$pod_med" "$rfs_med") | $podman_disk |"
fi
out ""
out "hydra layer cache (shared by every container of the image, once per node): $layers bytes"
log "summary in $SUMMARY"
