#!/usr/bin/env bash
# make bench, user-mode network part, baremu's -netdev user next to QEMU's
# own (libslirp) in the same run:
#  1. the stacks alone (tests/usernet/flowbench.c, crafted guest segments
#     into baremu's net/user/ or into libslirp linked directly): connections
#     per second, heap/RSS per flow with 10,000 concurrent connections, and
#     bulk TCP throughput each way (flowbench_bulk.c: BULK_MB MiB, default
#     200, BULK_RUNS runs, default 3, the stacks alternating; the median of
#     Mbit/s, of Mbit per CPU-second of the stack's process, and of Mbit per
#     CPU-second of the stack alone (that process less the crafted guest's
#     own work), and ratios);
#  2. the Debian test guest (qemu-system-i386, TCG, e1000) on QEMU's -netdev
#     user or on baremu's (hosted, -machine none, linked by -netdev stream
#     over TCP on loopback, and again over a unix socket): iperf3 both ways,
#     and hostfwd connections per second, BENCH_ROUNDS rounds (default 3)
#     and their medians (tests/usernet/bench_iperf_builds.py). As root with
#     /dev/net/tun each round also runs the guest on a tap in a namespace,
#     the host kernel's TCP its peer: what the TCG guest can move at all,
#     whatever the stack (BENCH_CEILING=0 skips it).
#     BENCH_USERNET_STACK_ONLY=1 skips part 2.
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
    mb=${BULK_MB:-200} runs=${BULK_RUNS:-3}
    bulk=$(mktemp)
    for m in bulk-out bulk-in; do
        for _ in $(seq "$runs"); do
            for s in slirp baremu; do
                timeout 300 "$fb" "$s" "$m" "$mb" | tee -a "$bulk" || rc=1
            done
        done
    done
    # "STACK MODE: N MiB in S s = X Mbit/s; CPU C s (Y Mbit per CPU-second;
    # ...; leaving Z Mbit per CPU-second of the stack alone); ..."
    figure() {   # $1: which figure, $2: one result line
        case $1 in
        mbit) echo "$2" | awk '{print $9}' ;;
        cpu) echo "$2" | tr -d '(' | awk '{print $14}' ;;
        alone) echo "$2" | sed -n 's/.*leaving \([0-9]*\) Mbit per CPU-second of the stack alone.*/\1/p' ;;
        esac
    }
    for m in bulk-out bulk-in; do
        for f in "mbit:Mbit/s" "cpu:Mbit per CPU-second" \
                 "alone:Mbit per CPU-second of the stack alone (less the crafted guest's work)"; do
            for s in slirp baremu; do
                grep "^$s $m:" "$bulk" | while read -r line; do figure "${f%%:*}" "$line"; done | sort -n |
                    awk '{v[NR]=$1} END {print (NR ? v[int((NR+1)/2)] : 0)}'
            done | paste -sd' ' | awk -v m=$m -v what="${f#*:}" -v n="$runs" '{
                printf "usernet-flowbench %s, median of %s: %s libslirp %s, baremu %s = %.2fx\n",
                    m, n, what, $1, $2, ($1 > 0 ? $2 / $1 : 0) }'
        done
    done
    rm -f "$bulk"
else
    echo "bench-usernet: libslirp-dev is not installed (make deps): stack figures skipped"
fi
# BENCH_USERNET_STACK_ONLY=1: part 1 only (no guests, a minute or two).
[ -n "${BENCH_USERNET_STACK_ONLY:-}" ] && exit $rc
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-usernet: guests not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
nets="build/hosted/baremu unix:build/hosted/baremu"
[ "${BENCH_CEILING:-1}" != 0 ] && [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && nets="$nets tap"
# shellcheck disable=SC2086 # $nets is a list of words
(cd "$top" && python3 tests/usernet/bench_iperf_builds.py "$tmp" "${BENCH_SECONDS:-10}" "${BENCH_ROUNDS:-3}" $nets) || rc=1
exit $rc
