#!/bin/bash
# `docker exec C true` against Berth and against the real Docker (Debian's docker.io), side by side in one
# run: the same busybox container (sleep) on each, runs alternating. Uses bin/ from `make build`.
#   bench/exec.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
. bench/side-by-side.sh exec
python3 bench/exec.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST"
