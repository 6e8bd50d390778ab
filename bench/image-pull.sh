#!/bin/bash
# usage: bench/image-pull.sh [ROUNDS]   (default 5)
# Pull of the same multi-layer image from a local registry (docker-registry on 127.0.0.1, plain HTTP) by three
# clients, cold each round (what the previous round stored is removed first):
#   hydra   `hydra pull --tls-verify=false` into the daemon's fs blob store (wall time of the CLI, which includes
#           the CLI's JVM start, and the daemon's own figure from the summary)
#   skopeo  `skopeo copy --src-tls-verify=false docker://... dir:DIR`
#   podman  `podman pull --tls-verify=false` into its own overlay storage under $BENCH_WORK/podman
# The image: busybox (scripts/busybox-image.sh) plus 4 layers of 8 MiB of random bytes each (gzip cannot shrink
# them, so the time is transfer, hashing and storing, not compression). Prints medians and ratios to hydra.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-5}
B=$WORK/image-pull
REG_PID=
cleanup() {
    stop_daemon
    [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
    podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$B"
mkdir -p "$B"

log "building the image"
layout=$B/layout
"$REPO/scripts/busybox-image.sh" "$layout" base >/dev/null
umoci unpack --image "$layout:base" "$B/bundle" >/dev/null
for i in 1 2 3 4; do
    head -c $((8 << 20)) /dev/urandom >"$B/bundle/rootfs/blob-$i"
    umoci repack --image "$layout:bench" "$B/bundle" >/dev/null
    umoci unpack --image "$layout:bench" "$B/bundle.next" >/dev/null
    rm -rf "$B/bundle"
    mv "$B/bundle.next" "$B/bundle"
done
rm -rf "$B/bundle"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$B/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $B/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$B/registry.yml" >"$B/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
IMAGE=127.0.0.1:$port/bench/multi:1
skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bench" "docker://$IMAGE"
layers=$(skopeo inspect --tls-verify=false --raw "docker://$IMAGE" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')
bytes=$(skopeo inspect --tls-verify=false --raw "docker://$IMAGE" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["config"]["size"]+sum(l["size"] for l in m["layers"]))')
log "image $IMAGE: $layers layers, $bytes bytes"

start_daemon "$B/root" "$B/hydra.sock" "$B/daemon.log"
export HYDRA_HOST=unix://$B/hydra.sock
PODMAN_DIR=$B/podman
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf
mkdir -p "$PODMAN_DIR"
make_rootfs "$B/rootfs"
podman_setup "$B/rootfs"
[ "$PODMAN_OK" = 1 ] || log "podman unavailable: $PODMAN_ERROR"

: >"$B/hydra.ms"; : >"$B/hydra-daemon.ms"; : >"$B/skopeo.ms"; : >"$B/podman.ms"
for r in $(seq "$ROUNDS"); do
    "$HYDRA" rmi "$IMAGE" >/dev/null 2>&1 || true
    t0=$(now_ms)
    out=$("$HYDRA" pull --tls-verify=false --format json "$IMAGE")
    echo $(($(now_ms) - t0)) >>"$B/hydra.ms"
    echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["durationMs"])' >>"$B/hydra-daemon.ms"

    rm -rf "$B/skopeo-dir"
    t0=$(now_ms)
    skopeo copy --quiet --src-tls-verify=false "docker://$IMAGE" "dir:$B/skopeo-dir"
    echo $(($(now_ms) - t0)) >>"$B/skopeo.ms"

    if [ "$PODMAN_OK" = 1 ]; then
        podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
        t0=$(now_ms)
        podman pull -q --tls-verify=false "$IMAGE" >/dev/null
        echo $(($(now_ms) - t0)) >>"$B/podman.ms"
    fi
    log "round $r: hydra $(tail -n1 "$B/hydra.ms") ms (daemon $(tail -n1 "$B/hydra-daemon.ms") ms)," \
        "skopeo $(tail -n1 "$B/skopeo.ms") ms, podman $(tail -n1 "$B/podman.ms" 2>/dev/null) ms"
done

median() { sort -n "$1" | awk '{a[NR]=$1} END { if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
h=$(median "$B/hydra.ms"); hd=$(median "$B/hydra-daemon.ms"); s=$(median "$B/skopeo.ms"); p=$(median "$B/podman.ms")
machine_info
echo "image: $layers layers, $bytes bytes; rounds: $ROUNDS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median ms: hydra-cli=$h hydra-daemon=$hd skopeo=$s podman=$p"
echo "ratios (x / hydra-cli): skopeo=$(ratio "$s" "$h") podman=$(ratio "$p" "$h")"
echo "ratios (x / hydra-daemon): skopeo=$(ratio "$s" "$hd") podman=$(ratio "$p" "$hd")"
