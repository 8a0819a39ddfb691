#!/bin/bash
# Networking against the real Docker (Debian's docker.io), side by side in one run: `docker run --rm busybox true`
# on the default bridge (and on --network none, for the bridge's own cost), the time from `docker run -d -p` until
# the published port answers, and 50 containers started in parallel on one user-defined network.
#   bench/network.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
. bench/side-by-side.sh network
python3 bench/network.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST"
