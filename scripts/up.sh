#!/bin/bash
# Starts berthd on its defaults (/run/berth/berth.sock, /var/lib/berth, /run/berth) unless one already answers,
# starts a local registry on 127.0.0.1:5000, seeds the hello-world and busybox images made on this machine, and says
# how to point docker at it.
set -eu
cd "$(dirname "$0")/.."
SOCK=/run/berth/berth.sock
LOG=/var/log/berthd.log
export DOCKER_HOST=unix://$SOCK
if [ "$(id -u)" != 0 ]; then
  echo "error: berthd runs as root: run 'make up' as root" >&2
  exit 1
fi
# The daemon socket's group, Docker's "docker" group: its members may use the socket (and are root's equals).
if ! getent group berth >/dev/null; then
  groupadd --system berth
  echo "created the system group berth: 'usermod -aG berth USER' lets USER use $SOCK"
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
# A local registry on 127.0.0.1:5000 (loopback: plain HTTP, as Docker allows), unless something answers there.
REGISTRY_LOG=/var/log/berth-registry.log
if curl -sf --max-time 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  echo "a registry already answers on 127.0.0.1:5000"
else
  setsid nohup "$PWD/bin/berth" registry serve --addr 127.0.0.1:5000 --root /var/lib/berth-registry >>"$REGISTRY_LOG" 2>&1 < /dev/null &
  echo $! > /run/berth-registry.pid
  for _ in $(seq 1 50); do curl -sf --max-time 1 http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 0.1; done
  echo "registry started on 127.0.0.1:5000 (pid $(cat /run/berth-registry.pid)); log: $REGISTRY_LOG"
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
and push to the local registry:  docker tag busybox localhost:5000/busybox && docker push localhost:5000/busybox
MSG
