#!/usr/bin/env bash
# Builds the committed HEAD of the repository into $BENCH_WORK/build/<commit> (git archive, `mvn package`, no
# install, so ~/.m2 and the work tree are untouched) plus the CLI's class-data archive as scripts/build.sh makes it,
# and prints the directory: pass it as BENCH_HYDRA_HOME so a benchmark run is not hit by concurrent rebuilds.
# Usage: bench/snapshot.sh [COMMIT]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${BENCH_WORK:-/var/tmp/hydra-bench}
commit=$(git -C "$repo" rev-parse --short "${1:-HEAD}")
dir=$work/build/$commit
if [ -f "$dir/.bench-commit" ]; then
    echo "$dir"
    exit 0
fi
rm -rf "$dir" && mkdir -p "$dir"
git -C "$repo" archive "$commit" | tar -x -C "$dir"
echo "snapshot: mvn package of $commit in $dir" >&2
offline=-o
(cd "$dir" && mvn -B -q $offline -DskipTests package >"$dir/build.log" 2>&1) \
    || (cd "$dir" && mvn -B -q -DskipTests package >"$dir/build.log" 2>&1) \
    || { tail -n 30 "$dir/build.log" >&2; echo "snapshot: build of $commit failed" >&2; exit 1; }
cli_jar=$dir/cli/target/hydra-cli-0.1.0-SNAPSHOT.jar
# the same training command as scripts/build.sh (a failed connect, on purpose)
java -XX:ArchiveClassesAtExit="$dir/cli/target/hydra-cli.jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k \
    -cp "$cli_jar:$dir/cli/target/lib/*" io.hydra.cli.Hydra \
    --host unix:///nonexistent/hydra-cds-training.sock ps >/dev/null 2>&1 || true
echo "$commit $(git -C "$repo" log -1 --format=%cd --date=iso "$commit")" >"$dir/.bench-commit"
echo "$dir"
