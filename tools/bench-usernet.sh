#!/usr/bin/env bash
# make bench, user-mode network part, baremu's -netdev user next to QEMU's
# own (libslirp) in the same run:
#  1. the stacks alone (tests/usernet/flowbench.c, crafted guest segments
#     into baremu's net/user/ or into libslirp linked directly): connections
#     per second, and heap/RSS per flow with 10,000 concurrent connections;
#  2. the Debian test guest (qemu-system-i386, TCG, e1000) on QEMU's -netdev
#     user or on baremu's (hosted, -machine none, linked by -netdev stream):
#     iperf3 both ways, and hostfwd connections per second
#     (tests/usernet/bench_iperf.py).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export BAREMU_TOP="$top" PYTHONPATH="$top/tests/lib"
rc=0
if [ -f /usr/include/slirp/libslirp.h ]; then
    make -s -C "$top" -j2 "$top/build/hosted/usernet-flowbench" >/dev/null || rc=1
    fb="$top/build/hosted/usernet-flowbench"
    for s in slirp baremu; do
        FB_PUMP_MS=0 timeout 300 "$fb" "$s" cps 3000 || rc=1
    done
    for s in slirp baremu; do
        FB_PUMP_MS=0 timeout 300 "$fb" "$s" concurrent 10000 || rc=1
    done
else
    echo "bench-usernet: libslirp-dev is not installed (make deps): stack figures skipped"
fi
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-usernet: guests not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$top/tests/usernet/bench_iperf.py" "$tmp" "$top/build/hosted/baremu" "${BENCH_SECONDS:-10}" || rc=1
exit $rc
