#!/usr/bin/env bash
# make bench, appliance part: the default guest (build/guest/vmlinuz +
# initrd.gz: Debian i686 Linux and the busybox initramfs, -kernel/-initrd,
# e1000 on user-mode net, udhcpc at boot via baremu.dhcp=1, the shipped
# config's cryptomgr.notests) booted inside the
# appliance nested under qemu-system-x86_64 + OVMF (TCG), next to the same
# guest in plain qemu-system-i386 (TCG), one run each, in the same run.
# Appliance: efi_main -> guest's first instruction from its own log (ns
# clock from efi_main); efi_main -> guest DHCP lease and -> shell prompt as
# wall time from the appliance banner on serial plus the banner's own
# log time (the guest's lines carry no appliance timestamp). QEMU: wall time
# from its start. Polled every 0.1 s. BENCH_LIMIT seconds at most per boot
# (default 3000: nested Linux takes tens of minutes on a loaded machine).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
limit=${BENCH_LIMIT:-3000}
g=$top/build/guest
[ -f "$g/vmlinuz" ] && [ -f "$g/initrd.gz" ] || bash "$top/tools/guest/build.sh" >/dev/null 2>&1 ||
  { echo "bench-appliance: guests not built"; exit 1; }
[ -f "$top/build/efi/BOOTX64.EFI" ] || { echo "bench-appliance: make efi first"; exit 1; }
# The shipped config's options that matter for time: cryptomgr.notests skips
# the kernel's crypto self-tests (boot/uefi/baremu.cfg says why).
append="console=ttyS0,115200 cryptomgr.notests baremu.dhcp=1"
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null; kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# wait_log FILE ERE: wall time (date +%s.%N) when FILE matches, or "-" after $limit.
wait_log() {
  local f=$1 re=$2
  while :; do
    tr -d '\r' < "$f" 2>/dev/null | grep -Eq -- "$re" && { now; return; }
    [ "$(awk -v a="$t0" -v b="$(now)" -v l="$limit" 'BEGIN { print (b - a > l) }')" = 1 ] && { echo "-"; return; }
    kill -0 "$qpid" 2>/dev/null || { echo "-"; return; }
    sleep 0.1
  done
}
ms_field() { tr -d '\r' < "$1" | grep -Eo -- "$2 [0-9.]+ ms" | head -n1 | grep -Eo '[0-9.]+' | head -n1; }
rel() { [ "$2" = - ] && echo - || sub "$1" "$2"; }

echo "appliance (nested: qemu-system-x86_64 -machine pc -m 512M + OVMF, TCG; guest -m 128M, e1000 on the appliance's -netdev user)"
t0=$(now)
setsid "$top/tools/run-qemu-efi.sh" --mem 512M --serial "file:$tmp/app.log" --timeout "$limit" \
    --cfg-text "-m 128M -kernel vmlinuz -initrd initrd.gz -append \"$append\"
-netdev user,id=n0 -device e1000,netdev=n0" --file bios.bin=/usr/share/seabios/bios.bin \
    --file "vmlinuz=$g/vmlinuz" --file "initrd.gz=$g/initrd.gz" >/dev/null 2>&1 &
qpid=$!; pids+=("$qpid")
w_banner=$(wait_log "$tmp/app.log" '^baremu .* - bare-metal')
w_linux=$(wait_log "$tmp/app.log" 'Linux version')
w_lease=$(wait_log "$tmp/app.log" 'lease of 10\.0\.2\.15')
w_shell=$(wait_log "$tmp/app.log" 'baremu-guest# ')
kill -- "-$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
start=$(ms_field "$tmp/app.log" 'guest CPU starts')
loop=$(ms_field "$tmp/app.log" 'main loop reached')
# The banner is printed right at efi_main (log time ~0): efi_main ~ w_banner.
echo "  efi_main -> main loop:                 ${loop:--} ms"
echo "  efi_main -> guest's first instruction: ${start:--} ms"
echo "  efi_main -> guest 'Linux version':     $(rel "$w_banner" "$w_linux") s (wall, from the banner)"
echo "  efi_main -> guest DHCP lease:          $(rel "$w_banner" "$w_lease") s (wall, from the banner)"
echo "  efi_main -> guest shell prompt:        $(rel "$w_banner" "$w_shell") s (wall, from the banner)"
echo "  QEMU start -> appliance banner (OVMF): $(rel "$t0" "$w_banner") s"

echo "plain qemu-system-i386 -m 128M (TCG), same kernel, initramfs and command line, e1000 on user net"
t0=$(now)
timeout "$limit" qemu-system-i386 -m 128M -kernel "$g/vmlinuz" -initrd "$g/initrd.gz" -append "$append" \
    -display none -monitor none -serial "file:$tmp/q.log" -nic user,model=e1000 >/dev/null 2>&1 &
qpid=$!; pids+=("$qpid")
q_linux=$(wait_log "$tmp/q.log" 'Linux version')
q_lease=$(wait_log "$tmp/q.log" 'lease of 10\.0\.2\.15')
q_shell=$(wait_log "$tmp/q.log" 'baremu-guest# ')
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
echo "  QEMU start -> 'Linux version' $(rel "$t0" "$q_linux") s, -> DHCP lease $(rel "$t0" "$q_lease") s, -> shell prompt $(rel "$t0" "$q_shell") s"
if [ "$w_lease" != - ] && [ "$q_lease" != - ]; then
  echo "  ratio (appliance nested / plain QEMU), time to the guest's DHCP lease: $(awk -v a="$(sub "$w_banner" "$w_lease")" -v b="$(sub "$t0" "$q_lease")" 'BEGIN { printf "%.1f", a / b }')"
fi
