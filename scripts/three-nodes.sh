#!/usr/bin/env bash
# Three Hydra nodes on one machine, to watch a failover: etcd, S3Proxy and three daemons, node n1 in its own
# network namespace (so its link can be cut), n2 and n3 on the host. Idempotent: `start` again prints how to
# reach the running cluster; `stop` tears everything down (containers, daemons, lease keepers, etcd, S3Proxy,
# the namespace and the addresses).
#
#   scripts/three-nodes.sh [start]     start what is not running, print how to reach each node
#   scripts/three-nodes.sh status      the cluster as n2 sees it (hydra nodes)
#   scripts/three-nodes.sh cut|heal    take n1's link down / up (n1 is cut off with its daemon alive)
#   scripts/three-nodes.sh kill        n1 loses power: every process in its namespace and their children, SIGKILLed
#   scripts/three-nodes.sh stop        tear everything down
#
# Needs: scripts/setup-host.sh run once (etcd-server, etcd-client, runc, conmon, CRIU, busybox-static), the build
# (`mvn -B -DskipTests package`), root. Addresses: 10.78.0.1 (etcd, S3Proxy), n2 10.78.0.2, n3 10.78.0.3 (on lo),
# n1 10.78.1.2 (namespace hydra-n1, veth hydra-n1h/hydra-n1c, host side 10.78.1.1).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self=$repo/scripts/three-nodes.sh
state=${HYDRA_THREE_NODES_DIR:-/var/tmp/hydra-three-nodes}
hydra=$repo/bin/hydra
hub=10.78.0.1
etcd_port=23790
etcd_peer_port=23800
s3_port=29000
ns=hydra-n1
s3_jar=${S3PROXY_JAR:-$HOME/.m2/repository/org/gaul/s3proxy/4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { echo "[three-nodes] $*" >&2; }
die() { echo "three-nodes: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, runc)"

node_addr() { case $1 in n1) echo 10.78.1.2 ;; n2) echo 10.78.0.2 ;; n3) echo 10.78.0.3 ;; esac; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds, fails at the deadline
wait_for() {
    local what=$1 secs=$2 deadline
    shift 2
    deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${secs}s waiting for $what"
        sleep 0.2
    done
}

network_up() {
    local a lo_addrs
    # read once, not piped into grep -q (under pipefail an early grep exit fails the pipe)
    lo_addrs=$(ip -o addr show dev lo)
    for a in $hub 10.78.0.2 10.78.0.3; do
        [[ $lo_addrs == *" $a/32 "* ]] || ip addr add $a/32 dev lo
    done
    if [ ! -e /run/netns/$ns ]; then
        ip netns add $ns
        ip link add ${ns}h type veth peer name ${ns}c
        ip link set ${ns}c netns $ns
        ip addr add 10.78.1.1/24 dev ${ns}h
        ip link set ${ns}h up
        ip netns exec $ns ip addr add 10.78.1.2/24 dev ${ns}c
        ip netns exec $ns ip link set ${ns}c up
        ip netns exec $ns ip link set lo up
        ip netns exec $ns ip route add default via 10.78.1.1
    fi
}

pki_up() {
    local pki=$state/pki n
    mkdir -p "$pki"
    [ -f "$pki/ca.crt" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=hydra-three-nodes-ca \
        -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
    for n in n1 n2 n3; do
        [ -f "$pki/$n.key" ] && continue
        openssl req -newkey rsa:2048 -nodes -subj "/CN=$n" -keyout "$pki/$n.rsa" -out "$pki/$n.csr" 2>/dev/null
        printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$(node_addr $n)" $n \
            >"$pki/$n.ext"
        openssl x509 -req -in "$pki/$n.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 365 \
            -extfile "$pki/$n.ext" -out "$pki/$n.crt" 2>/dev/null
        openssl pkcs8 -topk8 -nocrypt -in "$pki/$n.rsa" -out "$pki/$n.key"
    done
}

etcd_up() {
    alive "$state/etcd.pid" && return 0
    command -v etcd >/dev/null || die "etcd is missing: run scripts/setup-host.sh (etcd-server)"
    mkdir -p "$state/etcd"
    setsid etcd --name default --data-dir "$state/etcd/data" \
        --listen-client-urls http://$hub:$etcd_port --advertise-client-urls http://$hub:$etcd_port \
        --listen-peer-urls http://$hub:$etcd_peer_port --initial-advertise-peer-urls http://$hub:$etcd_peer_port \
        --initial-cluster default=http://$hub:$etcd_peer_port --log-level warn \
        >>"$state/etcd/etcd.log" 2>&1 </dev/null &
    echo $! >"$state/etcd.pid"
    wait_for "etcd on $hub:$etcd_port" 20 etcdctl --endpoints http://$hub:$etcd_port endpoint health
}

s3_up() {
    alive "$state/s3proxy.pid" && return 0
    if [ ! -f "$s3_jar" ]; then
        log "fetching S3Proxy (org.gaul:s3proxy:4.1.0:jar-with-dependencies, 55 MB) from Maven Central"
        mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies -Dtransitive=false
    fi
    mkdir -p "$state/s3/data"
    cat >"$state/s3/s3proxy.conf" <<CONF
s3proxy.endpoint=http://$hub:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=hydra-demo
s3proxy.credential=hydra-demo-secret
jclouds.provider=filesystem
jclouds.identity=hydra-demo
jclouds.credential=hydra-demo-secret
jclouds.filesystem.basedir=$state/s3/data
CONF
    setsid java -Xmx256m -XX:+UseSerialGC -jar "$s3_jar" --properties "$state/s3/s3proxy.conf" \
        >>"$state/s3/s3proxy.log" 2>&1 </dev/null &
    echo $! >"$state/s3proxy.pid"
    wait_for "S3Proxy on $hub:$s3_port" 30 bash -c "exec 3<>/dev/tcp/$hub/$s3_port"
}

node_up() {
    local n=$1 dir=$state/$1 addr http
    addr=$(node_addr "$n")
    alive "$dir/daemon.pid" && return 0
    mkdir -p "$dir"
    [ -f "$state/checkpoint.key" ] || head -c 32 /dev/urandom | base64 >"$state/checkpoint.key"
    cat >"$dir/hydra.properties" <<CONF
hydra.plugin.storage.s3.endpoint=http://$hub:$s3_port
hydra.plugin.storage.s3.bucket=hydra
hydra.plugin.storage.s3.access-key=hydra-demo
hydra.plugin.storage.s3.secret-key=hydra-demo-secret
hydra.plugin.storage.s3.create-bucket=true
CONF
    case $n in n1) http=9481 ;; n2) http=9482 ;; n3) http=9483 ;; esac
    local cmd=("$hydra" daemon --root "$dir/root" --socket "$dir/hydra.sock" --node-id "$n"
        --cluster etcd://$hub:$etcd_port --listen "$addr:7443"
        --tls-cert "$state/pki/$n.crt" --tls-key "$state/pki/$n.key" --tls-ca "$state/pki/ca.crt"
        --labels "zone=$n" --scheduler spread --storage s3 --checkpoint-key "$state/checkpoint.key"
        --http-port $http --config "$dir/hydra.properties")
    if [ "$n" = n1 ]; then
        # only the network namespace: the daemon shares the host's mounts
        cmd=(nsenter --net=/run/netns/$ns -- "${cmd[@]}")
    fi
    setsid "${cmd[@]}" >>"$dir/daemon.log" 2>&1 </dev/null &
    echo $! >"$dir/daemon.pid"
    wait_for "daemon $n (log: $dir/daemon.log)" 60 env HYDRA_HOST=unix://$dir/hydra.sock "$hydra" version
}

rootfs_up() {
    local dir=$state/rootfs a
    [ -x "$dir/bin/busybox" ] && return 0
    mkdir -p "$dir/bin" "$dir/tmp" "$dir/proc"
    cp /bin/busybox "$dir/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"; done
}

print_usage() {
    cat <<EOF

Three nodes are up (state in $state):
  n1 (in namespace $ns, 10.78.1.2):  export HYDRA_HOST=unix://$state/n1/hydra.sock
  n2 (10.78.0.2):                    export HYDRA_HOST=unix://$state/n2/hydra.sock
  n3 (10.78.0.3):                    export HYDRA_HOST=unix://$state/n3/hydra.sock
  etcd: http://$hub:$etcd_port   S3Proxy: http://$hub:$s3_port (data in $state/s3/data)

Watch a failover:
  export HYDRA_HOST=unix://$state/n1/hydra.sock
  $hydra run -d --name counter --rootfs $state/rootfs -- sh -c 'i=0; while true; do i=\$((i+1)); echo \$i; sleep 0.1; done'
  $hydra policy counter --every 1s --keep 3        # protected: it fails over
  HYDRA_HOST=unix://$state/n2/hydra.sock $hydra events -f &    # in another terminal
  $self kill                                         # n1 loses power (or: $self cut, then $self heal)
  HYDRA_HOST=unix://$state/n2/hydra.sock $hydra nodes           # n1 is lost
  HYDRA_HOST=unix://$state/n2/hydra.sock $hydra inspect counter # running on n2 or n3, the count going on
Tear down: $self stop
EOF
}

start() {
    [ -f "$repo/runtime-core/target/quarkus-app/quarkus-run.jar" ] \
        || die "daemon not built: run 'mvn -B -DskipTests package' in $repo"
    mkdir -p "$state"
    network_up
    pki_up
    rootfs_up
    etcd_up
    s3_up
    # NODES_ORDER: the order the daemons start in (the first to start usually wins the controller's election)
    for n in ${NODES_ORDER:-n1 n2 n3}; do node_up "$n"; done
    print_usage
}

# kill_all PIDS...: stop them all, then SIGKILL them all (no process sees another die first)
kill_all() {
    [ $# -gt 0 ] || return 0
    kill -STOP "$@" 2>/dev/null || true
    kill -KILL "$@" 2>/dev/null || true
}

# descendants PID...: the PIDs and all their descendants
descendants() {
    local all=" $* " changed=1 pid ppid
    while [ $changed = 1 ]; do
        changed=0
        while read -r pid ppid; do
            if [[ $all == *" $ppid "* && $all != *" $pid "* ]]; then all="$all$pid "; changed=1; fi
        done < <(ps -e -o pid=,ppid=)
    done
    echo $all
}

kill_n1() {
    [ -e /run/netns/$ns ] || die "n1's namespace does not exist: start first"
    # shellcheck disable=SC2046
    kill_all $(descendants $(ip netns pids $ns))
    # a container frozen at that instant (a checkpoint in progress) would keep its processes, SIGKILL pending: a
    # machine that loses power does not. Kill what is left in n1's container cgroups and thaw them.
    local st cg
    for st in "$state"/n1/root/runc/*/state.json; do
        [ -f "$st" ] || continue
        cg=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("cgroup_paths", {}).get("freezer", ""))' "$st")
        [ -n "$cg" ] && [ -d "$cg" ] || continue
        # shellcheck disable=SC2046
        kill_all $(cat "$cg/cgroup.procs")
        echo THAWED >"$cg/freezer.state"
    done
    log "n1 is down: its daemon, lease keeper, conmons and containers were SIGKILLed together"
}

stop() {
    local n dir id
    for n in n1 n2 n3; do
        dir=$state/$n
        if alive "$dir/daemon.pid"; then
            # a node just killed may still be a zombie here: its ps fails, which is no reason to stop tearing down
            { HYDRA_HOST=unix://$dir/hydra.sock "$hydra" ps -a -q 2>/dev/null || true; } | while read -r id; do
                HYDRA_HOST=unix://$dir/hydra.sock "$hydra" rm -f "$id" >/dev/null 2>&1 || true
            done
            kill "$(cat "$dir/daemon.pid")" 2>/dev/null || true
            wait_for "daemon $n to exit" 20 bash -c "! kill -0 $(cat "$dir/daemon.pid") 2>/dev/null"
        fi
        rm -f "$dir/daemon.pid"
    done
    # what the daemons leave running by design: lease keepers and conmons, and the containers under them
    if [ -e /run/netns/$ns ]; then
        # shellcheck disable=SC2046
        kill_all $(descendants $(ip netns pids $ns))
    fi
    # shellcheck disable=SC2046
    kill_all $(for p in $(pgrep -f "lease keep-alive" || true); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$hub:$etcd_port" && echo "$p"
    done)
    for n in n1 n2 n3; do
        if [ -d "$state/$n/root/runc" ]; then
            for id in $(ls "$state/$n/root/runc"); do
                runc --root "$state/$n/root/runc" delete --force "$id" >/dev/null 2>&1 || true
            done
        fi
        # shellcheck disable=SC2046
        kill_all $(pgrep -f "conmon.*$state/$n/" || true)
    done
    for p in etcd s3proxy; do
        if alive "$state/$p.pid"; then kill "$(cat "$state/$p.pid")"; fi
        rm -f "$state/$p.pid"
    done
    ip link del ${ns}h 2>/dev/null || true
    ip netns del $ns 2>/dev/null || true
    for a in $hub 10.78.0.2 10.78.0.3; do ip addr del $a/32 dev lo 2>/dev/null || true; done
    rm -rf "$state"
    log "stopped; $state removed"
}

case ${1:-start} in
    start) start ;;
    stop) stop ;;
    status) HYDRA_HOST=unix://$state/n2/hydra.sock "$hydra" nodes ;;
    cut) ip link set ${ns}h down; log "n1 is cut off (its daemon runs on; its lease will expire)" ;;
    heal) ip link set ${ns}h up; log "n1's link is back" ;;
    kill) kill_n1 ;;
    *) echo "usage: $0 [start|status|cut|heal|kill|stop]" >&2; exit 2 ;;
esac
