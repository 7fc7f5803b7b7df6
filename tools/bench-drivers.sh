#!/usr/bin/env bash
# make bench, real-NIC part: the bare-metal appliance's drivers and lwIP
# uplink against the Debian test guest's Linux drivers, same NIC model in the
# same outer QEMU (pc, TCG), same TCP echo workload through hostfwd, in one
# run (tests/drivers/bench_drivers.py). Loopback only.
# Usage: tools/bench-drivers.sh [MODEL...]   (default: e1000 virtio-net-pci)
# Env: BENCH_BULK (bytes, default 4 MiB), BENCH_ROUNDS (round trips, default
# 200), BENCH_REPEAT (alternating rounds, default 3).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export BAREMU_TOP="$top" PYTHONPATH="$top/tests/lib"
[ -f "$top/build/efi/BOOTX64.EFI" ] || { echo "bench-drivers: make efi first"; exit 1; }
[ -f /usr/share/ovmf/OVMF.fd ] || { echo "bench-drivers: OVMF missing"; exit 1; }
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-drivers: guests not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- e1000 virtio-net-pci
python3 "$top/tests/drivers/bench_drivers.py" "$tmp" "$@"
