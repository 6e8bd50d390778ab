#!/usr/bin/env bash
# Builds the daemon and the CLI when a source changed since the last build; quick otherwise.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
daemon_jar=$repo/runtime-core/target/quarkus-app/quarkus-run.jar
cli_jar=$repo/cli/target/hydra-cli-0.1.0-SNAPSHOT.jar
cli_cds=$repo/cli/target/hydra-cli.jsa

changed() {
    [ ! -f "$daemon_jar" ] || [ ! -f "$cli_jar" ] || [ -n "$(find "$repo" -path "$repo/*/target" -prune -o \
        \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$daemon_jar" \
        -print -quit)" ]
}

if changed; then
    echo "build: mvn install (about a minute; several with an empty Maven repository)"
    (cd "$repo" && mvn -B -q -DskipTests install)
    rm -f "$cli_cds"
else
    echo "build: up to date"
fi
if [ ! -f "$cli_cds" ]; then
    # A class-data archive (AppCDS) takes a third off every `hydra` command's start-up. It is recorded by one
    # command that loads the gRPC client classes and fails to connect, on purpose.
    java -XX:ArchiveClassesAtExit="$cli_cds" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k \
        -cp "$cli_jar:$repo/cli/target/lib/*" io.hydra.cli.Hydra \
        --host unix:///nonexistent/hydra-cds-training.sock ps >/dev/null 2>&1 || true
fi
