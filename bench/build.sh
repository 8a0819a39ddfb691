#!/bin/bash
# `docker build` against the real Docker's legacy builder (Debian's docker.io), side by side in one run: a 12-step
# Dockerfile with a 50 MB context (COPY of it, several RUNs) built cold (--no-cache), fully cached, and after one
# context file changed, alternating Berth and Docker; in the cached rounds also the docker CLI alone, against
# bench/context_sink.py (a stand-in daemon that discards the context): the floor of the legacy protocol.
#   bench/build.sh [RUNS]     (default 5 runs of each kind)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
. bench/side-by-side.sh build
python3 bench/build.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST" "$BENCH"
