#!/usr/bin/env bash
# Builds the daemon and the CLI when a source changed since the last build (quick otherwise).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$repo/runtime-core/target/quarkus-app/quarkus-run.jar
if [ -f "$stamp" ] && [ -f "$repo/cli/target/hydra-cli-0.1.0-SNAPSHOT.jar" ] && \
   [ -z "$(find "$repo" -path "$repo/*/target" -prune -o \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$stamp" -print -quit)" ]; then
    echo "build: up to date"
    exit 0
fi
echo "build: mvn package (about a minute; several on an empty Maven repository)"
cd "$repo" && mvn -B -q -DskipTests install
