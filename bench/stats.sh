#!/bin/bash
# `docker stats --no-stream` against Berth and against the real Docker (Debian's docker.io), side by side in one
# run: the same busybox container (sleep) on each, runs alternating. Uses bin/ from `make build`.
#   bench/stats.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
. bench/side-by-side.sh stats
python3 bench/stats.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST"
