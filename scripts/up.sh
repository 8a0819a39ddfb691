#!/bin/bash
# Starts berthd on its defaults (/run/berth/berth.sock, /var/lib/berth, /run/berth) unless one already answers,
# seeds the hello-world and busybox images made on this machine, and says how to point docker at it.
set -eu
cd "$(dirname "$0")/.."
SOCK=/run/berth/berth.sock
LOG=/var/log/berthd.log
export DOCKER_HOST=unix://$SOCK
if [ "$(id -u)" != 0 ]; then
  echo "error: berthd runs as root: run 'make up' as root" >&2
  exit 1
fi
ping() { curl -sf --max-time 2 --unix-socket "$SOCK" http://berth/_ping >/dev/null 2>&1; }
if ping; then
  echo "berthd is already running on $SOCK"
else
  mkdir -p "$(dirname "$LOG")"
  setsid nohup "$PWD/bin/berthd" >>"$LOG" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do ping && break; sleep 0.1; done
  if ! ping; then
    echo "error: berthd did not start; see $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  echo "berthd started (pid $(cat /run/berth.pid)); log: $LOG"
fi
for image in hello-world busybox; do
  if ! bin/berth image inspect "$image" >/dev/null 2>&1; then
    bin/berth image bootstrap "$image" >/dev/null
    echo "seeded image $image:latest (built on this machine)"
  fi
done
cat <<MSG

Berth is up. Point the docker CLI at it:

  export DOCKER_HOST=unix://$SOCK

then try:  docker run hello-world
MSG
