#!/usr/bin/env bash
# make bench: runs every tools/bench-*.sh (one per area) and prints their figures.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for b in "$top"/tools/bench-*.sh; do
    echo "== $(basename "$b")"
    bash "$b" || rc=1
done
exit $rc
