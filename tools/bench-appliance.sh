#!/usr/bin/env bash
# make bench, appliance part: the default guest disk (build/guest/disk.img:
# SeaBIOS -> SYSLINUX -> Debian i686 Linux) booted inside the appliance nested
# under qemu-system-x86_64 + OVMF, next to the same disk in plain
# qemu-system-i386 (TCG). Appliance figures come from its own log (ns clock
# from efi_main: guest CPU start, first guest output = SYSLINUX's banner on
# COM1, DHCP lease); QEMU figures are wall time from its start, polled every
# 0.1 s. One run each; BENCH_LIMIT seconds at most per boot (default 240).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
limit=${BENCH_LIMIT:-240}
bash "$top/tools/guest/build.sh" >/dev/null 2>&1 || { echo "bench-appliance: guests not built"; exit 1; }
disk=$top/build/guest/disk.img
[ -f "$top/build/efi/BOOTX64.EFI" ] || { echo "bench-appliance: make efi first"; exit 1; }
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# wait_log FILE ERE: seconds from $t0 until FILE matches, or "-" after $limit.
wait_log() {
  local f=$1 re=$2
  while :; do
    tr -d '\r' < "$f" 2>/dev/null | grep -Eq -- "$re" && { since "$t0"; return; }
    [ "$(awk -v a="$t0" -v b="$(now)" -v l="$limit" 'BEGIN { print (b - a > l) }')" = 1 ] && { echo "-"; return; }
    kill -0 "$qpid" 2>/dev/null || { echo "-"; return; }
    sleep 0.1
  done
}
ms_field() { tr -d '\r' < "$1" | grep -Eo -- "$2 [0-9.]+ ms" | head -n1 | grep -Eo '[0-9.]+' | head -n1; }

echo "appliance (nested: qemu-system-x86_64 -machine pc -m 512M + OVMF, TCG; guest -m 128M)"
t0=$(now)
"$top/tools/run-qemu-efi.sh" --mem 512M --serial "file:$tmp/app.log" --timeout "$limit" \
    --cfg-text "-m 128M -hda disk.img" --file bios.bin=/usr/share/seabios/bios.bin --file "disk.img=$disk" \
    >/dev/null 2>&1 &
qpid=$!; pids+=("$qpid")
w_banner=$(wait_log "$tmp/app.log" '^baremu .* - bare-metal')
w_syslinux=$(wait_log "$tmp/app.log" 'SYSLINUX [0-9.]+ ')
w_lease=$(wait_log "$tmp/app.log" 'lease of 10\.0\.2\.15|Lease of 10\.0\.2\.15')
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
start=$(ms_field "$tmp/app.log" 'guest CPU starts')
first=$(ms_field "$tmp/app.log" 'first guest output on the console')
loop=$(ms_field "$tmp/app.log" 'main loop reached')
echo "  efi_main -> main loop:              ${loop:--} ms"
echo "  efi_main -> guest's first instruction: ${start:--} ms"
echo "  efi_main -> SYSLINUX banner (first guest output): ${first:--} ms"
echo "  wall: QEMU start -> appliance banner ${w_banner} s, -> SYSLINUX ${w_syslinux} s, -> guest DHCP lease ${w_lease} s"

echo "plain qemu-system-i386 -m 128M (TCG), same disk"
t0=$(now)
# A pipe chardev: QEMU reads $tmp/ser.in and writes $tmp/ser.out.
mkfifo "$tmp/ser.in" "$tmp/ser.out"
timeout "$limit" qemu-system-i386 -m 128M -drive "format=raw,file=$disk,snapshot=on" -display none \
    -monitor none -serial "pipe:$tmp/ser" -nic user,model=e1000 >/dev/null 2>&1 &
qpid=$!; pids+=("$qpid")
cat "$tmp/ser.out" > "$tmp/q.log" &
pids+=("$!")
exec 3> "$tmp/ser.in"
q_syslinux=$(wait_log "$tmp/q.log" 'SYSLINUX [0-9.]+ ')
q_shell=$(wait_log "$tmp/q.log" 'baremu-guest# ')
printf 'udhcpc -i eth0 -n -q\r' >&3
q_lease=$(wait_log "$tmp/q.log" '[Ll]ease of 10\.0\.2\.15')
exec 3>&-
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
echo "  wall: QEMU start -> SYSLINUX ${q_syslinux} s, -> shell ${q_shell} s, -> DHCP lease (udhcpc typed at the shell) ${q_lease} s"
