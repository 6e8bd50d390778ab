#!/usr/bin/env bash
# Runs the checkpoint, storage, concurrency, codec and events benchmarks one after the other on one snapshot of the
# committed HEAD (bench/snapshot.sh), summaries and raw data in bench/results/ckpt-run-<time>/. About 20-25 minutes
# on 2 cores. Then, unless C2_PASS=0, the checkpoint benchmark again (256 and 1024 MiB, no Podman) with the daemon
# on the JVM's default JIT (C2) instead of bin/hydra's -XX:TieredStopAtLevel=1, to show what SHA-256 costs there.
#   BENCH_HYDRA_HOME   test this build instead of a snapshot of HEAD
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BENCH_WORK=${BENCH_WORK:-/var/tmp/hydra-bench}
if [ -z "${BENCH_HYDRA_HOME:-}" ]; then
    BENCH_HYDRA_HOME=$("$bench/snapshot.sh")
fi
export BENCH_HYDRA_HOME
export BENCH_RESULTS=$bench/results/ckpt-run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_RESULTS"
export REPS_64=${REPS_64:-3} REPS_256=${REPS_256:-3} REPS_1024=${REPS_1024:-2}
"$bench/codec-throughput.sh"
"$bench/checkpoint.sh" 64 256 1024
"$bench/checkpoint-storage.sh"
"$bench/checkpoint-concurrency.sh"
"$bench/events.sh"
if [ "${C2_PASS:-1}" = 1 ]; then
    PODMAN=0 REPS_256=2 REPS_1024=1 HYDRA_DAEMON_JAVA_OPTS="-Xmx256m -XX:+UseSerialGC" "$bench/checkpoint.sh" 256 1024
fi
echo "results: $BENCH_RESULTS"
