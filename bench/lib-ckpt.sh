# Shared helpers of the checkpoint and events benchmarks (bench/checkpoint*.sh, codec-throughput.sh, events.sh).
# Source it after lib.sh.
# shellcheck shell=bash

CK=${CK_WORK:-$WORK/ckpt}
mkdir -p "$CK"
MEMHOG_SRC=$REPO/it/src/test/resources/memhog.c

# The drivers run from a private copy of bench/target (a concurrent `mvn install` of the work tree rebuilds
# bench/target under a running script otherwise).
DRIVER_COPY=$CK/driver
freeze_driver() {
    rm -rf "$DRIVER_COPY"
    mkdir -p "$DRIVER_COPY"
    cp "$DRIVER_JAR" "$DRIVER_COPY/"
    cp -r "$REPO/bench/target/lib" "$DRIVER_COPY/lib"
}
freeze_driver
driver() {
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dslf4j.internal.verbosity=ERROR -cp "$DRIVER_COPY/*:$DRIVER_COPY/lib/*" \
        io.hydra.bench.BenchDriver "$@"
}
ckd() {
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dslf4j.internal.verbosity=ERROR -cp "$DRIVER_COPY/*:$DRIVER_COPY/lib/*" \
        io.hydra.bench.CheckpointDriver "$@"
}
evd() {
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Dslf4j.internal.verbosity=ERROR -cp "$DRIVER_COPY/*:$DRIVER_COPY/lib/*" \
        io.hydra.bench.EventsDriver "$@"
}

# make_memhog_rootfs DIR: the busybox rootfs plus /bin/memhog (gcc -static -O2 of it/src/test/resources/memhog.c).
make_memhog_rootfs() {
    local dir=$1
    make_rootfs "$dir"
    if [ ! -x "$dir/bin/memhog" ] || [ "$MEMHOG_SRC" -nt "$dir/bin/memhog" ]; then
        gcc -static -O2 -o "$dir/bin/memhog" "$MEMHOG_SRC" || die "cannot compile memhog"
    fi
}

# load_now: "1-min 5-min 15-min" load average.
load_now() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_file_grep FILE PATTERN SECONDS: until FILE has a line matching PATTERN.
wait_file_grep() {
    local f=$1 pat=$2 end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        grep -q -- "$pat" "$f" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# last_round FILE: the N of the last "round N" line of FILE (0 when none).
last_round() {
    local n
    n=$(grep -o 'round [0-9]*' "$1" 2>/dev/null | tail -n1 | awk '{print $2}')
    echo "${n:-0}"
}

# hydra_log_of SOCK NAME: the container's log file (k8s-file), from `inspect`.
hydra_log_of() {
    "$HYDRA" --host "unix://$1" inspect "$2" 2>/dev/null | sed -n 's/.*"logPath" *: *"\([^"]*\)".*/\1/p' | head -n1
}

# A tmpfs of our own (umounted by tmpfs_clean).
TMPFS_MOUNTED=
tmpfs_mount() {
    local dir=$1 size=$2
    mkdir -p "$dir"
    if ! mountpoint -q "$dir"; then
        mount -t tmpfs -o "size=$size,mode=0700" hydra-bench-ckpt "$dir" || die "cannot mount a tmpfs on $dir"
        TMPFS_MOUNTED=$dir
    fi
}
tmpfs_clean() {
    if [ -n "$TMPFS_MOUNTED" ] && mountpoint -q "$TMPFS_MOUNTED"; then
        umount "$TMPFS_MOUNTED" || umount -l "$TMPFS_MOUNTED" || true
    fi
    TMPFS_MOUNTED=
}

# Percentile helpers over a file of numbers: pct FILE P (nearest rank).
pct() {
    sort -n "$1" | awk -v p="$2" '{a[NR] = $1} END { if (NR == 0) { print "n/a"; exit } i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i] }'
}
med() { pct "$1" 50; }

# What a checkpoint bench tears down at exit: the daemon and its containers, the daemon's root, raw runc's
# containers, Podman's containers whose names match $1 (when Podman ran), and the tmpfs. Callers remove their own
# directories after it.
ckpt_cleanup() {
    set +e
    if [ -n "$DAEMON_PID" ]; then
        driver rm-all "$SOCK" >/dev/null 2>&1
        stop_daemon
    fi
    force_clean_root "$ROOT"
    runc_clean "$RUNC_STATE"
    if [ "$PODMAN_OK" = 1 ] && [ -n "${1:-}" ]; then
        podman rm -f -t 0 $(podman ps -aq --filter "name=$1") >/dev/null 2>&1
    fi
    tmpfs_clean
}
