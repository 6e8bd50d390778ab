#!/bin/bash
# usage: usage-snapshot.sh WORKTREE OUTFILE
# Records what the built CLI of WORKTREE prints, and exits with, for every verb's --help, no arguments, bad input and
# an unreachable daemon, so a refactoring of the CLI can be checked by diffing two snapshots (before and after).
# Needs no daemon: the socket it names does not exist. Build first: mvn -B -q -pl cli -am package -DskipTests
# The directory is written as {DIR}, as in cli/src/test/resources/io/hydra/cli/usage-snapshot.txt (the recorded
# snapshot UsageSnapshotTest replays): the two can be diffed. Re-record it when a help text changes on purpose.
set -u
wt=$1; outf=$2
# where no daemon listens; the output names it {DIR}, so snapshots from different runs compare
# its own directory per run: two recordings at once must not share one stderr file
tmp=$(mktemp -d /tmp/hydra-usage-snapshot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp="$wt/cli/target/hydra-cli-0.1.0-SNAPSHOT.jar:$wt/cli/target/lib/*"
export HYDRA_HOST=unix://$tmp/no-such.sock
verbs="run create start stop kill pause resume restart rm ps inspect logs wait attach exec top stats checkpoint checkpoints restore rm-checkpoint policy pull images rmi image nodes migrate events info version"
h() { echo "=== hydra $*"; java -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$cp" io.hydra.cli.Hydra "$@" </dev/null 2>"$tmp/err"; echo "--- rc=$?"; echo "--- stderr"; cat "$tmp/err"; }
{
h; h --help; h -h; h --version; h -V; h nosuchverb; h --host
for v in $verbs; do h $v --help; h help $v; h $v; h $v x; h $v --bogus; done
h run --name a --net bogus --rootfs /r -- sh
h run --name a --memory 12q --rootfs /r -- sh
h create --name a --memory 12q --rootfs /r -- sh
h run --name a --rootfs /r -- sh
h run -d -i --name a -e A=B -m 1g --net host --monitor lazy --rootfs /r -- sh
h exec x
h exec x -- ls
h restore x --version -1
h restore x --version 3 --as y --format json
h policy x
h policy x --every 5m --keep 2
h image import --help
h image import
h images --format yaml
h pull --tls-verify=false
h policy x --remove
h ps --format xml
h ps -a --format json
h stats x --format json
h migrate x --to n --mode bogus
h migrate x --to n --max-rounds 0
h migrate x --to n --threshold -1m
h migrate x --to n --threshold 12q
h migrate x --to n --mode stopcopy --max-rounds 2 --threshold 64m --tcp-established --format json
h events -f --type a --container c --since 3 --format json
h rm-checkpoint x
h rm-checkpoint x --version 2
h stop -t 3 x
h kill -s TERM x
h stop a b c
h rm -f a b
h ps -q
h logs --tail 2 --since 10m x
h logs --tail x x
h stats
h run busybox echo hi
h run --rm --restart always busybox
h run -v /a busybox
h run --cpus x busybox
h run -d
h --host tcp://127.0.0.1:1 ps
h --host tcp://127.0.0.1:1 --tls-cert /nope --tls-key /nope --tls-ca /nope ps
h --host unix://$tmp/other.sock ps
h --host bogus://x ps
} 2>&1 | sed "s#$tmp/#{DIR}/#g" > "$outf"
