#!/bin/bash
# Berth against the real Docker (Debian's docker.io: dockerd 20.10 + containerd + runc), side by side in one run.
# Both daemons run on their own sockets and data roots and get the same busybox image; runs alternate.
#   bench/run.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
. bench/side-by-side.sh run
python3 bench/measure.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST" "$BENCH/berthd.pid" /run/peer-docker.pid
