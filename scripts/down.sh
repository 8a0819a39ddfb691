#!/bin/bash
# Stops the berthd that `make up` started. Containers keep running (their shims own them) and berthd reattaches
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
