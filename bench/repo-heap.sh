#!/usr/bin/env bash
# Daemon-side heap of the checkpoint repository with many versions in the store, old design against new.
#
#   bench/repo-heap.sh [VERSIONS=1000] [CONTAINERS=20] [IMAGE_MIB=8] [NEW_KIB=256]
#
# Builds OLD_REF (default: the commit before the on-disk index, 825f5e8) with `mvn compile` in a temporary copy
# (never `mvn install`), populates one fs store with VERSIONS synthetic versions through the repository API (each
# IMAGE_MIB of pages shared by every version, deduplicated, plus NEW_KIB of its own), then measures each build in
# a fresh JVM on a copy of that store: open, one more checkpoint (loads the dedup index), list every container's
# versions, garbage collection, live heap after a full GC (bench/repo-heap/RepoHeapBench.java).
set -euo pipefail
VERSIONS=${1:-1000}
CONTAINERS=${2:-20}
IMAGE_MIB=${3:-8}
NEW_KIB=${4:-256}
OLD_REF=${OLD_REF:-825f5e8}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/repo-heap-bench}
JAVA_OPTS=${JAVA_OPTS:--Xmx2g -XX:+UseSerialGC}
M2=${M2:-$HOME/.m2/repository}
LIBS="$M2/at/yawk/lz4/lz4-java/1.10.1/lz4-java-1.10.1.jar:$M2/com/fasterxml/jackson/core/jackson-core/2.21.1/jackson-core-2.21.1.jar:$M2/com/fasterxml/jackson/core/jackson-databind/2.21.1/jackson-databind-2.21.1.jar:$M2/com/fasterxml/jackson/core/jackson-annotations/2.21/jackson-annotations-2.21.jar:$M2/org/xerial/sqlite-jdbc/3.50.3.0/sqlite-jdbc-3.50.3.0.jar"

mkdir -p "$WORK"
classpath() { echo "$1/spi/target/classes:$1/runtime-core/target/classes:$1/plugins/storage-fs/target/classes:$LIBS"; }

if [ ! -d "$WORK/old/runtime-core/target/classes" ]; then
  rm -rf "$WORK/old" && mkdir -p "$WORK/old"
  git -C "$HERE" archive "$OLD_REF" | tar -x -C "$WORK/old"
  (cd "$WORK/old" && mvn -B -q -pl runtime-core,plugins/storage-fs -am compile)
fi
if [ ! -d "$HERE/runtime-core/target/classes" ]; then
  (cd "$HERE" && mvn -B -q -pl runtime-core,plugins/storage-fs -am compile)
fi
BENCH="$HERE/bench/repo-heap/RepoHeapBench.java"

STORE="$WORK/store-$VERSIONS-$CONTAINERS-$IMAGE_MIB-$NEW_KIB"
if [ ! -f "$STORE.done" ]; then
  rm -rf "$STORE"
  # Populated by the old build: the store layout it writes is what a bucket holds today.
  java $JAVA_OPTS -cp "$(classpath "$WORK/old")" "$BENCH" populate "$STORE" "$VERSIONS" "$CONTAINERS" "$IMAGE_MIB" "$NEW_KIB"
  touch "$STORE.done"
fi

ROUNDS=${ROUNDS:-3}
for round in $(seq "$ROUNDS"); do
  for build in old new; do
    src="$WORK/old"; [ "$build" = new ] && src="$HERE"
    rm -rf "$STORE.$build" "$WORK/index-$build" && cp -a "$STORE" "$STORE.$build" && mkdir -p "$WORK/index-$build"
    # Twice on the same copy: a daemon on a fresh root, then the same daemon restarted (the new index stays on disk).
    for start in fresh-root restart; do
      printf 'round=%s build=%s start=%s ' "$round" "$build" "$start"
      java $JAVA_OPTS -DindexFile="$WORK/index-$build/chunks.db" -cp "$(classpath "$src")" "$BENCH" measure \
        "$STORE.$build" "$CONTAINERS" "$IMAGE_MIB" "$NEW_KIB"
    done
    rm -rf "$STORE.$build" "$WORK/index-$build"
  done
done
