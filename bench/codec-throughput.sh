#!/usr/bin/env bash
# Codec throughput: what the checkpoint upload path (SHA-256 per chunk, LZ4 fast compressor) and restore path (LZ4 safe
# decompressor, SHA-256 check) cost per byte on one core, so Hydra's checkpoint durations can be compared with their
# limit. lz4-java 1.10.1 (at.yawk.lz4) and the JDK's MessageDigest, 64 KiB blocks (the chunker's mean chunk size),
# 1 thread, on
#   pages    a real pages-*.img of a raw `runc checkpoint` of memhog 64 (its memory is random bytes)
#   random   64 MiB of random bytes
#   half-zero 64 MiB of 4 KiB pages, every other one all zero
# twice: with the JVM's default JIT (C2), and with the daemon's flags (bin/hydra: -XX:TieredStopAtLevel=1
# -XX:+UseSerialGC, C1 only).
# A second table per JIT mode: the cost of storage trust, the manifest MAC (HMAC-SHA256 over the manifest) and chunk
# encryption (HMAC-SHA256 names, AES-256-GCM with a synthetic nonce), against the plain path (SHA-256 + LZ4).
# Usage: bench/codec-throughput.sh      SECONDS_PER_RUN=1
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib-ckpt.sh"

SECS=${SECONDS_PER_RUN:-1}
ROOTFS=$CK/rootfs
RUNC_STATE=$CK/runc-state-codec
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
STAMP=$(date +%Y%m%d-%H%M%S)
SUMMARY=$RESULTS/codec-throughput-$STAMP.txt
PAGES=$CK/codec-pages.img
IMG=/dev/shm/hydra-bench-codec
mkdir -p "$RESULTS"
cleanup() {
    set +e
    runc_clean "$RUNC_STATE"
    rm -rf "$IMG" "$PAGES"
}
trap cleanup EXIT

make_memhog_rootfs "$ROOTFS"
B=$CK/bundle-codec
write_config "$B" "$ROOTFS" codec-r /hydra-bench-ckpt/codec-r 0 memhog 64 1 1000
: >"$CK/codec-r.out"
"$RUNC" --root "$RUNC_STATE" run -d --bundle "$B" codec-r < <(:) > >(exec cat >>"$CK/codec-r.out") 2>&1
wait_file_grep "$CK/codec-r.out" "round 1" 60 || die "memhog did not start"
rm -rf "$IMG"
"$RUNC" --root "$RUNC_STATE" --criu /usr/local/sbin/criu checkpoint --image-path "$IMG/img" --work-path "$IMG/work" codec-r \
    >/dev/null 2>&1 || die "runc checkpoint failed"
cp "$(ls -S "$IMG"/img/pages-*.img | head -n1)" "$PAGES"
rm -rf "$IMG"
runc_clean "$RUNC_STATE"

CP="$DRIVER_COPY/*:$DRIVER_COPY/lib/*"
{
    echo "== codec throughput $STAMP"
    machine_info
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) (flags: $(grep -m1 -o -w 'sha_ni' /proc/cpuinfo || echo 'no sha_ni'))"
    echo "pages image: $(stat -c %s "$PAGES") bytes"
    echo
    echo "-- JIT default (C2), -XX:+UseSerialGC; load $(load_now)"
    java -XX:+UseSerialGC -Xmx1g -cp "$CP" io.hydra.bench.CodecBench --seconds "$SECS" "$PAGES" random half-zero
    echo
    echo "-- the daemon's flags: -XX:TieredStopAtLevel=1 -XX:+UseSerialGC (C1 only); load $(load_now)"
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx1g -cp "$CP" io.hydra.bench.CodecBench --seconds "$SECS" "$PAGES" random half-zero
    echo "load at end: $(load_now)"
} 2>&1 | sed "s|$PAGES|pages|" | tee "$SUMMARY"
