#!/bin/bash
# Berth against the real Docker (Debian's docker.io: dockerd 20.10 + containerd + runc), side by side in one run.
# Both daemons run on their own sockets and data roots and get the same busybox image; runs alternate.
#   bench/run.sh [RUNS]     (default 20)
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
# The same image on both sides: the peer's busybox:peer, saved there and loaded here.
if ! DOCKER_HOST=unix://$SOCK docker image inspect busybox:peer >/dev/null 2>&1; then
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
fi
python3 bench/measure.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST" "$BENCH/berthd.pid" /run/peer-docker.pid
