#!/bin/bash
# Start-up cost of the default seccomp profile and of --userns-remap, Berth against the real Docker (Debian's
# docker.io), side by side in one run: `docker run --rm --network none busybox true` with the default profile,
# with seccomp=unconfined, and on a daemon started with --userns-remap; all variants alternate.
#   bench/security.sh [RUNS]     (default 30)
# For the remapped daemons it adds a system user with subordinate ids and puts /etc back as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
. bench/side-by-side.sh security
REMAP=berthbench
ETC=$(mktemp -d /tmp/berth-bench-etc.XXXXXX)
for f in passwd group shadow gshadow subuid subgid; do [ -e /etc/$f ] && cp -a /etc/$f "$ETC/"; done
RB=$BENCH/remap-berthd RD=$BENCH/remap-dockerd
mkdir -p "$RB" "$RD"
# dockerd refuses a remapped root below a directory its remapped root cannot traverse (mktemp makes 0700).
chmod 0711 "$BENCH" "$RD"
restore() {
  [ -f "$RB/pid" ] && kill "$(cat "$RB/pid")" 2>/dev/null || true
  [ -f "$RD/pid" ] && kill "$(cat "$RD/pid")" 2>/dev/null || true
  sleep 1
  remove_network_of "$RB/exec"
  userdel "$REMAP" 2>/dev/null || true
  for f in passwd group shadow gshadow subuid subgid; do
    if [ -e "$ETC/$f" ]; then cp -a "$ETC/$f" /etc/$f; else rm -f /etc/$f; fi
  done
  rm -rf "$ETC"
  cleanup
}
trap restore EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin "$REMAP"
echo "$REMAP:400000:65536" >>/etc/subuid
echo "$REMAP:400000:65536" >>/etc/subgid
bin/berthd --userns-remap "$REMAP" -H "unix://$RB/sock" --data-root "$RB/data" --exec-root "$RB/exec" --pidfile "$RB/pid" >"$RB/log" 2>&1 &
dockerd --userns-remap "$REMAP" -H "unix://$RD/sock" --data-root "$RD/data" --exec-root "$RD/exec" --pidfile "$RD/pid" \
  --bridge none --iptables=false --ip-masq=false >"$RD/log" 2>&1 &
for s in "$RB/sock" "$RD/sock"; do
  for _ in $(seq 1 150); do curl -sf --unix-socket "$s" http://d/_ping >/dev/null 2>&1 && break; sleep 0.2; done
  curl -sf --unix-socket "$s" http://d/_ping >/dev/null 2>&1 || { echo "no daemon on $s:" >&2; tail -3 "$(dirname "$s")/log" >&2; exit 1; }
  DOCKER_HOST=$PEER_DOCKER_HOST docker save busybox:peer | DOCKER_HOST=unix://$s docker load -q >/dev/null
done
python3 bench/security.py "$RUNS" "unix://$SOCK" "$PEER_DOCKER_HOST" "unix://$RB/sock" "unix://$RD/sock"
