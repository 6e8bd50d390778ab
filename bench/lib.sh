# Shared helpers of the bench/*.sh scripts. Source it; it sets REPO from its own location.
# Needs: scripts/setup-host.sh run once, and `mvn -DskipTests install` (builds bench/target too).
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
WORK=${BENCH_WORK:-/var/tmp/hydra-bench}
# The Hydra under test: the repository's own build, or BENCH_HYDRA_HOME (bench/snapshot.sh builds the committed
# HEAD there, out of reach of concurrent rebuilds of the work tree).
HYDRA_HOME_UNDER_TEST=${BENCH_HYDRA_HOME:-$REPO}
HYDRA=$HYDRA_HOME_UNDER_TEST/bin/hydra
RUNC=${RUNC:-/usr/sbin/runc}
DRIVER_JAR=$REPO/bench/target/hydra-bench-0.1.0-SNAPSHOT.jar
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -f "$DRIVER_JAR" ] || die "bench driver not built: run 'mvn -B -DskipTests install' in $REPO"
[ -f "$HYDRA_HOME_UNDER_TEST/runtime-core/target/quarkus-app/quarkus-run.jar" ] \
    || die "daemon not built: run 'mvn -B -DskipTests install' in $HYDRA_HOME_UNDER_TEST"
mkdir -p "$WORK"

# The Java driver (BenchDriver.java): short-lived, so C1 only.
driver() {
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp "$DRIVER_JAR:$REPO/bench/target/lib/*" \
        io.hydra.bench.BenchDriver "$@"
}

# Milliseconds since the epoch, without a fork (bash 5 EPOCHREALTIME).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# make_rootfs DIR: busybox-static with a relative link per applet.
make_rootfs() {
    local dir=$1 a
    [ -x "$dir/bin/busybox" ] && return 0
    mkdir -p "$dir/bin" "$dir/tmp" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/etc"
    cp /bin/busybox "$dir/bin/busybox"
    for a in $(/bin/busybox --list); do
        [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
    done
    echo "root:x:0:0:root:/:/bin/sh" >"$dir/etc/passwd"
    touch "$dir/etc/resolv.conf"
}

# make_redis_rootfs DIR: the busybox rootfs plus /usr/bin/redis-server and the libraries ldd names.
make_redis_rootfs() {
    local dir=$1 lib
    [ -x "$dir/usr/bin/redis-server" ] && return 0
    make_rootfs "$dir"
    mkdir -p "$dir/usr/bin"
    cp /usr/bin/redis-server "$dir/usr/bin/redis-server"
    for lib in $(ldd /usr/bin/redis-server | grep -o '/[^ ]*'); do
        mkdir -p "$dir$(dirname "$lib")"
        cp -L "$lib" "$dir$lib"
    done
}

# ---- the Hydra daemon
DAEMON_PID=
DAEMON_T0=
READY_BASE=0

# start_daemon ROOT SOCKET LOGFILE [flags...]: starts it in the background, waits for "ready".
start_daemon() {
    local root=$1 sock=$2 logf=$3
    shift 3
    READY_BASE=$(grep -c "hydra daemon ready" "$logf" 2>/dev/null || true)
    DAEMON_T0=$(now_ms)
    "$HYDRA" daemon --root "$root" --socket "$sock" --http-port 0 "$@" >>"$logf" 2>&1 &
    DAEMON_PID=$!
    wait_ready "$logf" 120
}

# wait_ready LOGFILE SECONDS: until the daemon logs a ready line beyond the READY_BASE it had (prints it).
wait_ready() {
    local logf=$1 secs=$2
    local end=$((SECONDS + secs))
    while [ "$SECONDS" -lt "$end" ]; do
        if [ "$(grep -c "hydra daemon ready" "$logf" 2>/dev/null)" -gt "${READY_BASE:-0}" ]; then
            grep "hydra daemon ready" "$logf" | tail -n1
            return 0
        fi
        kill -0 "$DAEMON_PID" 2>/dev/null || { tail -n 30 "$logf" >&2; die "daemon exited before ready"; }
        sleep 0.02
    done
    tail -n 30 "$logf" >&2
    die "daemon not ready within $secs s"
}

# Epoch ms of the last ready line of LOGFILE, from its HH:MM:SS.mmm time stamp (local time, today).
ready_log_epoch_ms() {
    local hms
    hms=$(grep "hydra daemon ready" "$1" | tail -n1 | awk '{print $1}')
    date -d "$(date +%F) $hms" +%s%3N
}

# Epoch ms of PID's start from /proc (starttime in ticks since boot, boot time from /proc/uptime; +-20 ms).
# Not /proc/stat btime, whole seconds and off by the wall clock's drift since boot (Java's ProcessHandle uses it).
proc_start_epoch_ms() {
    local st up now
    st=$(awk '{print $22}' "/proc/$1/stat")
    up=$(awk '{print $1}' /proc/uptime)
    now=$(now_ms)
    awk -v n="$now" -v u="$up" -v s="$st" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", n - u * 1000 + s * 1000 / hz }'
}

# The "N ms after process start" figure of the last ready line of LOGFILE (the daemon's own figure).
ready_ms() { grep "hydra daemon ready" "$1" | tail -n1 | sed -n 's/.*, \([0-9]*\) ms after process start.*/\1/p'; }

# wait_dead PID SECONDS: until PID is gone or a zombie (it may not be this shell's child).
wait_dead() {
    local pid=$1 end=$((SECONDS + $2)) st
    while [ "$SECONDS" -lt "$end" ]; do
        st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
        [ -z "$st" ] || [ "$st" = Z ] && return 0
        sleep 0.01
    done
    return 1
}

stop_daemon() {
    [ -n "$DAEMON_PID" ] || return 0
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait_dead "$DAEMON_PID" 30 || kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait_dead "$DAEMON_PID" 5 || true
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=
}

kill9_daemon() {
    kill -KILL "$DAEMON_PID"
    wait_dead "$DAEMON_PID" 10 || die "daemon $DAEMON_PID survived SIGKILL"
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=
}

# The JVM's pid: bin/hydra execs java, so it is the launched pid.
daemon_rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$DAEMON_PID/status"; }

# "USED COMMITTED" heap kB of the daemon right after a full GC (jcmd GC.run, jstat): the live data, beside RSS,
# which keeps the heap's high-water mark.
daemon_heap_kb() {
    jcmd "$DAEMON_PID" GC.run >/dev/null 2>&1 || true
    jstat -gc "$DAEMON_PID" 2>/dev/null | awk 'NR == 2 { printf "%.0f %.0f\n", $3 + $4 + $6 + $8, $1 + $2 + $5 + $7 }'
}

# Last resort for a root whose daemon is gone: kill what its runc state and conmons hold.
force_clean_root() {
    local root=$1 id pid
    [ -d "$root/runc" ] || return 0
    for id in $("$RUNC" --root "$root/runc" list -q 2>/dev/null); do
        "$RUNC" --root "$root/runc" delete -f "$id" >/dev/null 2>&1 || true
    done
    for pid in $(conmon_pids "$root"); do kill -KILL "$pid" 2>/dev/null || true; done
}

# ---- memory
# conmon_pids PATTERN: conmon processes whose command line contains PATTERN.
conmon_pids() {
    local pat=$1 pid
    for pid in $(pgrep -x conmon); do
        if tr "\\0" " " 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$pat"; then echo "$pid"; fi
    done
}

# pss_sum_kb PID...: the sum of Pss over smaps_rollup.
pss_sum_kb() {
    local pid total=0 v
    for pid in "$@"; do
        v=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

rss_sum_kb() {
    local pid total=0 v
    for pid in "$@"; do
        v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# ---- raw runc: an OCI config as the daemon's DefaultSpec writes it for --rootfs
# write_config BUNDLE ROOTFS HOSTNAME CGROUPSPATH HOSTNET(0|1) ARGS...
write_config() {
    local bundle=$1 rootfs=$2 host=$3 cg=$4 hostnet=$5
    shift 5
    local args="" a netns=',{"type":"network"}' resolv=""
    for a in "$@"; do args+="${args:+,}\"$a\""; done
    if [ "$hostnet" = 1 ]; then
        netns=""
        resolv=',{"destination":"/etc/resolv.conf","type":"bind","source":"/etc/resolv.conf","options":["rbind","ro"]}'
    fi
    local caps='"CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_RAW","CAP_SYS_CHROOT","CAP_MKNOD","CAP_SETFCAP"'
    mkdir -p "$bundle"
    cat >"$bundle/config.json" <<EOF
{"ociVersion":"1.0.2-dev",
 "process":{"terminal":false,"user":{"uid":0,"gid":0},"args":[$args],
  "env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm","HOSTNAME=$host"],
  "cwd":"/","capabilities":{"bounding":[$caps],"effective":[$caps],"permitted":[$caps]},
  "rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},
 "root":{"path":"$rootfs","readonly":false},
 "hostname":"$host",
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
  {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
  {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
  {"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec","nodev","mode=1777","size=65536k"]},
  {"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":["nosuid","noexec","nodev"]},
  {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]},
  {"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}$resolv],
 "linux":{"cgroupsPath":"$cg","resources":{"devices":[{"allow":false,"access":"rwm"}]},
  "namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}$netns],
  "maskedPaths":["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],
  "readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}
EOF
}

runc_clean() {
    local state=$1 id
    for id in $("$RUNC" --root "$state" list -q 2>/dev/null); do
        "$RUNC" --root "$state" delete -f "$id" >/dev/null 2>&1 || true
    done
}

# ---- Podman (Debian's), configured for this host, with its own storage under $WORK/podman
PODMAN_DIR=$WORK/podman
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf
PODMAN_OK=0
PODMAN_ERROR=

# podman_setup ROOTFS: install podman if missing, write its config, import the busybox rootfs as an image.
# Sets PODMAN_OK=1, or PODMAN_OK=0 and PODMAN_ERROR to the exact error.
podman_setup() {
    local rootfs=$1 out
    if ! command -v podman >/dev/null 2>&1; then
        log "installing podman (apt-get install -y podman)"
        if ! out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman 2>&1); then
            apt-get update -qq >/dev/null 2>&1 || true
            out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman 2>&1) \
                || { PODMAN_ERROR="apt-get install podman: $(echo "$out" | tail -n 3)"; return 0; }
        fi
    fi
    mkdir -p "$PODMAN_DIR"
    # runc (crun cannot run on this hybrid cgroup layout), cgroupfs (no systemd), file events; rlimits below the
    # hard limits (no CAP_SYS_RESOURCE: Podman's defaults fail with "error setting rlimit type 7/6")
    cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
EOF
    cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/graph"
runroot = "$PODMAN_DIR/run"
EOF
    if ! podman image exists localhost/busybox 2>/dev/null; then
        tar -C "$rootfs" -c . | podman import - localhost/busybox >/dev/null 2>&1 \
            || { PODMAN_ERROR="podman import failed"; return 0; }
    fi
    podman rm -fa -t 0 >/dev/null 2>&1 || true
    if out=$(podman run -d --network none --name bench-probe localhost/busybox sleep 100000 2>&1); then
        PODMAN_OK=1
    else
        PODMAN_ERROR="podman run -d --network none localhost/busybox sleep 100000: $out"
    fi
    podman rm -f -t 0 bench-probe >/dev/null 2>&1 || true
}

podman_clean() {
    command -v podman >/dev/null 2>&1 || return 0
    [ -f "$CONTAINERS_CONF" ] || return 0
    podman rm -fa -t 0 >/dev/null 2>&1 || true
}

# stats LABEL FILE: "LABEL n=.. median=.. p95=.." from the driver.
stats() { driver stats "$2" | sed "s|^[^:]*:|$1|"; }
median_of() { driver stats "$1" | sed -n 's/.*median=\([0-9.]*\).*/\1/p'; }
p95_of() { driver stats "$1" | sed -n 's/.*p95=\([0-9.]*\).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

machine_info() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "java: $(java -version 2>&1 | head -n1)"
    echo "runc: $("$RUNC" --version | head -n1)"
    echo "conmon: $(conmon --version | head -n1)"
    echo "podman: $(podman --version 2>/dev/null || echo 'not installed')"
    echo "redis: $(redis-server --version | awk '{print $3}')"
    echo "hydra under test: $HYDRA_HOME_UNDER_TEST ($(cat "$HYDRA_HOME_UNDER_TEST/.bench-commit" 2>/dev/null \
        || git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown))"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
