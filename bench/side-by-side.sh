# Sourced by the bench scripts that need a fresh berthd beside the real Docker:
#   . bench/side-by-side.sh NAME
# starts the peer dockerd (PEER_DOCKER_HOST) and a berthd of this checkout's bin/ in its own directory (SOCK),
# stopped and removed at exit, and gives both the same busybox:peer image.
eval "$(/work/shared/tools/peer-dockerd start 2>/dev/null || ../shared/tools/peer-dockerd start)"
BENCH=$(mktemp -d "/tmp/berth-bench-$1.XXXXXX")
SOCK=$BENCH/berthd.sock
bin/berthd -H unix://$SOCK --data-root $BENCH/data --exec-root $BENCH/exec --pidfile $BENCH/berthd.pid >$BENCH/berthd.log 2>&1 &
BERTHD=$!
# A berthd off the default exec root names its default bridge and nftables table "berth-" and 6 hex digits of the
# exec root's sha256; berthd keeps both when it stops (as dockerd keeps docker0), so the bench removes them.
remove_network_of() {
  local net
  net=berth-$(printf %s "$1" | sha256sum | cut -c1-6)
  ip link delete "$net" 2>/dev/null || true
  nft delete table ip "$net" 2>/dev/null || true
  for h in $(nft -a list chain ip filter FORWARD 2>/dev/null | sed -n "s/.*comment \"$net\" # handle \([0-9]*\).*/\1/p"); do
    nft delete rule ip filter FORWARD handle "$h"
  done
}
cleanup() {
  kill $BERTHD 2>/dev/null; wait $BERTHD 2>/dev/null
  remove_network_of "$BENCH/exec"
  rm -rf "$BENCH"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf --unix-socket $SOCK http://b/_ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! DOCKER_HOST=unix://$SOCK docker image inspect busybox:peer >/dev/null 2>&1; then
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$SOCK docker load -q >/dev/null
fi
