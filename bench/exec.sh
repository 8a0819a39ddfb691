#!/bin/bash
# `docker exec C true` against Berth and against the real Docker (Debian's docker.io), side by side in one
# run: the same busybox container (sleep) on each, runs alternating. Uses bin/ from `make build`.
#   bench/exec.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
eval "$(/work/shared/tools/peer-dockerd start 2>/dev/null || ../shared/tools/peer-dockerd start)"
# A berthd of this checkout's bin/, on its own directory, stopped at the end (the containers are removed first).
BENCH=$(mktemp -d /tmp/berth-bench-exec.XXXXXX)
SOCK=$BENCH/berthd.sock
bin/berthd -H unix://$SOCK --data-root $BENCH/data --exec-root $BENCH/exec --pidfile $BENCH/berthd.pid >$BENCH/berthd.log 2>&1 &
BERTHD=$!
trap 'kill $BERTHD 2>/dev/null; wait $BERTHD 2>/dev/null; rm -rf "$BENCH"' EXIT
for _ in $(seq 1 100); do curl -sf --unix-socket $SOCK http://b/_ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! DOCKER_HOST=unix://$SOCK docker image inspect busybox:peer >/dev/null 2>&1; then
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
fi
python3 bench/exec.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST"
