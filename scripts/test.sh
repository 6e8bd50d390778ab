#!/usr/bin/env bash
# Quick start, command 2: the whole test suite, on real runc, conmon and busybox containers.
# Prepares the host first (idempotent), then builds and runs every module's tests.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

"$repo/scripts/setup-host.sh"
cd "$repo"
# tests start real daemons and containers; the reactor runs one module at a time (2 cores)
mvn -B verify "$@"
