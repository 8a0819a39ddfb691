#!/bin/bash
# `docker stats --no-stream` against Berth and against the real Docker (Debian's docker.io), side by side in one
# run: the same busybox container (sleep) on each, runs alternating. Uses bin/ from `make build`.
#   bench/stats.sh [RUNS]     (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
eval "$(/work/shared/tools/peer-dockerd start 2>/dev/null || ../shared/tools/peer-dockerd start)"
BENCH=/tmp/berth-bench
mkdir -p $BENCH
SOCK=$BENCH/berthd.sock
if ! curl -sf --unix-socket $SOCK http://b/_ping >/dev/null 2>&1; then
  bin/berthd -H unix://$SOCK --data-root $BENCH/data --exec-root $BENCH/exec --pidfile $BENCH/berthd.pid >$BENCH/berthd.log 2>&1 &
  for _ in $(seq 1 100); do curl -sf --unix-socket $SOCK http://b/_ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! DOCKER_HOST=unix://$SOCK docker image inspect busybox:peer >/dev/null 2>&1; then
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
fi
python3 bench/stats.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST"
