#!/usr/bin/env bash
# Quick start, command 1: prepare this Debian host, build Hydra, put `hydra` on PATH and run
# the daemon in the foreground on embedded defaults (state in /var/lib/hydra, socket
# /run/hydra/hydra.sock, eager monitors). Extra arguments go to `hydra daemon`.
# Idempotent: a second run only checks, rebuilds if sources changed, and starts the daemon.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

"$repo/scripts/setup-host.sh"
"$repo/scripts/build.sh"
ln -sfn "$repo/bin/hydra" /usr/local/bin/hydra
echo "install: hydra is on PATH (/usr/local/bin/hydra); starting the daemon (Ctrl-C stops the daemon, not the containers)"
exec /usr/local/bin/hydra daemon "$@"
