#!/bin/bash
# Stops the berthd and the registry that `make up` started. Containers keep running (their shims own them) and berthd reattaches
# to them when it starts again.
set -eu
PID=/run/berth.pid
if [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; then
  kill -TERM "$(cat $PID)"
  for _ in $(seq 1 50); do kill -0 "$(cat $PID 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
  echo "berthd stopped"
else
  echo "berthd is not running"
fi
REGISTRY_PID=/run/berth-registry.pid
if [ -f $REGISTRY_PID ] && kill -0 "$(cat $REGISTRY_PID)" 2>/dev/null; then
  kill -TERM "$(cat $REGISTRY_PID)"
  rm -f $REGISTRY_PID
  echo "registry stopped"
fi
