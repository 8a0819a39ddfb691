#!/bin/bash
# Push and pull through a registry, side by side: berthd and the real Docker (Debian's docker.io) each push a 500 MB
# image of 10 layers to a fresh `berth registry serve` on 127.0.0.1 and pull it back, alternating; then a warm
# (no-op) pull, 10 concurrent pulls, and skopeo copy of the same image as a second reference.
#   bench/registry.sh [RUNS]     (default 3 runs of each kind)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
. bench/side-by-side.sh registry
python3 bench/registry.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST" "$BENCH"
