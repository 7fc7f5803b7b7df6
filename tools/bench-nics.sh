#!/usr/bin/env bash
# make bench, emulated NICs: guest-to-host TCP throughput (iperf3 in the
# Debian i386 test guest to iperf3 -s on the host's loopback via 10.0.2.2)
# for e1000, rtl8139 (8139cp) and ne2k_pci, in baremu (hosted) and in
# qemu-system-i386 (TCG) with the same guest and each one's -netdev user, in
# one run (tests/nics/bench_nics.py). BENCH_SECONDS sets the iperf3 time.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export BAREMU_TOP="$top" PYTHONPATH="$top/tests/lib"
command -v qemu-system-i386 >/dev/null && command -v iperf3 >/dev/null ||
    { echo "bench-nics: qemu-system-i386 or iperf3 missing (make deps)"; exit 1; }
make -s -C "$top" -j2 hosted >/dev/null || exit 1
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-nics: guests not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$top/tests/nics/bench_nics.py" "$tmp" "$top/build/hosted/baremu" "${BENCH_SECONDS:-10}" ||
    { tail -n 20 "$tmp"/console-*.log; exit 1; }
