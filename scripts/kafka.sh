#!/usr/bin/env bash
# A single-node Kafka broker (KRaft, broker and controller in one process) on 127.0.0.1, for trying
# Hydra's lifecycle events locally and for end-to-end tests that want a broker outside their JVM.
#
#   scripts/kafka.sh start  [--port 9092] [--dir DIR]   start it (says so and exits 0 when it already runs)
#   scripts/kafka.sh stop   [--dir DIR]                  stop it (SIGTERM, SIGKILL after 30 s)
#   scripts/kafka.sh status [--dir DIR]                  exit 0 when it runs, 3 when it does not
#
# The broker comes from the Apache Kafka jars on Maven Central (no release tarball can be downloaded
# here), fetched once by scripts/kafka-deps/pom.xml into a cache, so a second start takes seconds.
# The controller listens on PORT+1. The data directory survives stop/start; delete DIR to start afresh.
# Environment: JAVA (default: java on PATH), HYDRA_KAFKA_CACHE (default /var/cache/hydra-kafka as root,
# ~/.cache/hydra-kafka otherwise), MVN (default: mvn).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEPS_POM="$SCRIPT_DIR/kafka-deps/pom.xml"
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}
if [[ $(id -u) == 0 ]]; then
    CACHE=${HYDRA_KAFKA_CACHE:-/var/cache/hydra-kafka}
    DIR=/var/lib/hydra-kafka
else
    CACHE=${HYDRA_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hydra-kafka}
    DIR=${XDG_STATE_HOME:-$HOME/.local/state}/hydra-kafka
fi
PORT=9092
PORT_GIVEN=false
START_TIMEOUT_S=60
STOP_TIMEOUT_S=30

die() { echo "kafka.sh: $*" >&2; exit 1; }

usage() {
    sed -n '5,7p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
COMMAND=$1
shift
while [[ $# -gt 0 ]]; do
    case $1 in
        --port) [[ $# -ge 2 ]] || usage; PORT=$2; PORT_GIVEN=true; shift 2 ;;
        --port=*) PORT=${1#--port=}; PORT_GIVEN=true; shift ;;
        --dir) [[ $# -ge 2 ]] || usage; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#--dir=}; shift ;;
        -h|--help) usage ;;
        *) echo "kafka.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65534 ]] || die "--port must be a TCP port (1-65534), got '$PORT'"
DIR=$(realpath -m "$DIR")
PID_FILE="$DIR/kafka.pid"
LOG_FILE="$DIR/kafka.log"
PORT_FILE="$DIR/port"
CONFIG="$DIR/server.properties"
DATA="$DIR/data"

# The pid in the pid file, if that process is alive and is our broker (not a recycled pid).
running_pid() {
    [[ -f $PID_FILE ]] || return 1
    local pid
    pid=$(<"$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
    echo "$pid"
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Fetches the broker's jars once; refetches only when kafka-deps/pom.xml changes.
ensure_jars() {
    local stamp libs want
    libs="$CACHE/libs"
    stamp="$CACHE/pom.sha256"
    want=$(sha256sum "$DEPS_POM" | cut -d' ' -f1)
    if [[ -d $libs && -f $stamp && $(<"$stamp") == "$want" ]]; then
        return
    fi
    command -v "$MVN" >/dev/null || die "Maven ('$MVN') is needed once to fetch the Kafka jars into $CACHE"
    echo "kafka.sh: fetching the Kafka broker jars from Maven into $CACHE (once)"
    mkdir -p "$CACHE"
    rm -rf "$CACHE/libs.tmp"
    # Run from the cache dir so no surrounding project's .mvn or pom influences the build.
    if ! (cd "$CACHE" && "$MVN" -B -q -f "$DEPS_POM" dependency:copy-dependencies \
        -DoutputDirectory="$CACHE/libs.tmp" >"$CACHE/fetch.log" 2>&1); then
        tail -n 30 "$CACHE/fetch.log" >&2
        die "fetching the Kafka jars failed (full output: $CACHE/fetch.log)"
    fi
    rm -rf "$libs"
    mv "$CACHE/libs.tmp" "$libs"
    echo "$want" >"$stamp"
}

write_config() {
    local controller_port=$((PORT + 1))
    cat >"$CONFIG" <<EOF
# Written by scripts/kafka.sh: one node, broker and controller combined, loopback only.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
log.dirs=$DATA
num.partitions=1
# A single broker cannot hold the default three replicas of the internal topics;
# without these, consumer groups and transactions never come up.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

classpath() {
    echo "$CACHE/libs/*"
}

start() {
    local pid
    if pid=$(running_pid); then
        echo "kafka.sh: already running (pid $pid) on 127.0.0.1:$(cat "$PORT_FILE" 2>/dev/null || echo '?'), data in $DIR"
        exit 0
    fi
    if [[ -f $PORT_FILE && $(<"$PORT_FILE") != "$PORT" ]]; then
        if [[ $PORT_GIVEN == true ]]; then
            # The controller's own address is written into the metadata log at format time.
            die "$DIR was formatted for port $(<"$PORT_FILE"); use that port, another --dir, or delete $DIR"
        fi
        PORT=$(<"$PORT_FILE")
    fi
    port_open "$PORT" && die "127.0.0.1:$PORT is already in use by another process"
    port_open $((PORT + 1)) && die "127.0.0.1:$((PORT + 1)) (the controller port) is already in use"
    command -v "$JAVA" >/dev/null || die "no Java ('$JAVA'): install a JDK 17+ or set JAVA"

    mkdir -p "$DIR"
    ensure_jars
    write_config
    if [[ ! -f $DATA/meta.properties ]]; then
        local cluster_id
        cluster_id=$("$JAVA" -cp "$(classpath)" kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE")
        "$JAVA" -cp "$(classpath)" kafka.tools.StorageTool format --config "$CONFIG" \
            --cluster-id "$cluster_id" --standalone >>"$LOG_FILE" 2>&1 \
            || { tail -n 20 "$LOG_FILE" >&2; die "formatting $DATA failed (log: $LOG_FILE)"; }
        echo "$PORT" >"$PORT_FILE"
    fi

    nohup "$JAVA" -Xmx256m -Xms64m -XX:+UseSerialGC -Djava.awt.headless=true \
        -Dorg.slf4j.simpleLogger.showDateTime=true \
        -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd'T'HH:mm:ss.SSS" \
        -cp "$(classpath)" kafka.Kafka "$CONFIG" >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"

    local waited=0
    until port_open "$PORT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            tail -n 30 "$LOG_FILE" >&2
            die "the broker exited during start-up (log: $LOG_FILE)"
        fi
        if ((waited >= START_TIMEOUT_S * 10)); then
            kill "$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            die "the broker did not listen on 127.0.0.1:$PORT within ${START_TIMEOUT_S}s (log: $LOG_FILE)"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "kafka.sh: started (pid $pid), bootstrap servers 127.0.0.1:$PORT, data and log in $DIR"
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        rm -f "$PID_FILE"
        echo "kafka.sh: not running (data dir $DIR)"
        exit 0
    fi
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= STOP_TIMEOUT_S * 10)); then
            echo "kafka.sh: no exit ${STOP_TIMEOUT_S}s after SIGTERM, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$PID_FILE"
    echo "kafka.sh: stopped (pid $pid)"
}

status() {
    local pid
    if pid=$(running_pid); then
        local port
        port=$(cat "$PORT_FILE" 2>/dev/null || echo '?')
        if port_open "$port"; then
            echo "kafka.sh: running (pid $pid), bootstrap servers 127.0.0.1:$port, data in $DIR"
        else
            echo "kafka.sh: running (pid $pid) but not yet listening on 127.0.0.1:$port, log: $LOG_FILE"
        fi
        exit 0
    fi
    echo "kafka.sh: not running (data dir $DIR)"
    exit 3
}

case $COMMAND in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) usage ;;
esac
