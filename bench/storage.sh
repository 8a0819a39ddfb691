#!/bin/bash
# Storage against the real Docker (Debian's docker.io), side by side in one run: 1 GiB written (dd conv=fsync)
# then read back (after dropping the page cache) through a named volume, a bind mount, a tmpfs mount and the
# container's own layer, each beside the same dd on the host on the same filesystem; and `docker run --rm` with
# five named volumes.
#   bench/storage.sh [RUNS] [RUNS_5V]     (default 5 I/O runs, 20 five-volume runs)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
RUNS_5V=${2:-20}
. bench/side-by-side.sh storage
python3 bench/storage.py "$RUNS" "$RUNS_5V" "unix://$SOCK" "$PEER_DOCKER_HOST" "$BENCH"
