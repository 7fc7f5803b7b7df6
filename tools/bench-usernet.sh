#!/usr/bin/env bash
# make bench, user-mode network part: iperf3 between the Debian test guest
# (qemu-system-i386, TCG, e1000) and the host's loopback, through QEMU's own
# -netdev user (libslirp) and through baremu's (hosted, -machine none, linked
# by -netdev stream), in the same run. See tests/usernet/bench_iperf.py.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export BAREMU_TOP="$top" PYTHONPATH="$top/tests/lib"
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-usernet: guests not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$top/tests/usernet/bench_iperf.py" "$tmp" "$top/build/hosted/baremu" "${BENCH_SECONDS:-10}"
