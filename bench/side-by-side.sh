# Sourced by the bench scripts that need a fresh berthd beside the real Docker:
#   . bench/side-by-side.sh NAME
# starts the peer dockerd (PEER_DOCKER_HOST) and a berthd of this checkout's bin/ in its own directory (SOCK),
# stopped and removed at exit, and gives both the same busybox:peer image.
eval "$(/work/shared/tools/peer-dockerd start 2>/dev/null || ../shared/tools/peer-dockerd start)"
BENCH=$(mktemp -d "/tmp/berth-bench-$1.XXXXXX")
SOCK=$BENCH/berthd.sock
bin/berthd -H unix://$SOCK --data-root $BENCH/data --exec-root $BENCH/exec --pidfile $BENCH/berthd.pid >$BENCH/berthd.log 2>&1 &
BERTHD=$!
trap 'kill $BERTHD 2>/dev/null; wait $BERTHD 2>/dev/null; rm -rf "$BENCH"' EXIT
for _ in $(seq 1 100); do curl -sf --unix-socket $SOCK http://b/_ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! DOCKER_HOST=unix://$SOCK docker image inspect busybox:peer >/dev/null 2>&1; then
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
fi
