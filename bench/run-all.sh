#!/usr/bin/env bash
# Runs every benchmark, one after the other, on one snapshot of the committed HEAD (bench/snapshot.sh), and puts
# the summaries and the per-container times in bench/results/run-<time>/. About 20-30 minutes on 2 cores.
#   COUNTS="50 200 500"  start-latency counts (the CLI stops at CLI_MAX=200)
#   RECOVERY_N=500       containers running during the recovery benchmark
#   BENCH_HYDRA_HOME     test this build instead of a snapshot of HEAD
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BENCH_WORK=${BENCH_WORK:-/var/tmp/hydra-bench}
if [ -z "${BENCH_HYDRA_HOME:-}" ]; then
    BENCH_HYDRA_HOME=$("$bench/snapshot.sh")
fi
export BENCH_HYDRA_HOME
export BENCH_RESULTS=$bench/results/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH_RESULTS"
rm -rf "$BENCH_WORK/times"
read -r -a counts <<<"${COUNTS:-50 200 500}"
"$bench/start-latency.sh" "${counts[@]}"
"$bench/recovery.sh" "${RECOVERY_N:-500}"
"$bench/redis-downtime.sh"
cp -r "$BENCH_WORK/times" "$BENCH_RESULTS/times"
echo "results: $BENCH_RESULTS"
