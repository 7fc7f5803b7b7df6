# timeout: 180
# Keys typed on the appliance's PS/2 keyboard reach the guest: QEMU's monitor
# sendkey types "Hi-kbd!" + Enter on the outer machine's keyboard; the
# appliance (IOAPIC IRQ 1, scan set 1 -> characters) hands them to the guest
# on its COM1 (-serial stdio), where a tiny firmware (serial-echo.S) echoes
# them back, so they come out on the appliance's serial port. This is the
# path without a guest display (-vga none); with one, keys go to the guest's
# 8042 instead (vga-text.t.sh).
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
command -v as >/dev/null || { echo "skip: binutils missing"; exit 77; }
mkdir -p "$top/build/tmp"
fw=$(mktemp -d "$top/build/tmp/serial-echo.XXXXXX")
as --32 -o "$fw/fw.o" "$(dirname "$0")/serial-echo.S" || bm_fail "cannot assemble serial-echo.S"
objcopy -O binary -j .text "$fw/fw.o" "$fw/fw.bin"
mon=$fw/mon
ap_start keyboard-guest --cfg-text "# written by tests/appliance/keyboard-guest.t.sh
-bios fw.bin -m 16M -vga none   # no guest display: the keyboard types on COM1
-uplink none   # its DHCP log line could split the echoed text" --file "fw.bin=$fw/fw.bin" -- -monitor "unix:$mon,server,nowait"
ap_wait '^echo-ready' 120 "the guest firmware's banner"
for k in shift-h i minus k b d shift-1 ret; do
  printf 'sendkey %s\n' "$k" | socat - "UNIX-CONNECT:$mon" >/dev/null
  sleep 0.3
done
ap_wait '^Hi-kbd!$' 30 "the typed line echoed by the guest"
printf 'quit\n' | socat - "UNIX-CONNECT:$mon" >/dev/null || true
rm -rf "$fw"
echo "ok: PS/2 keys reached the guest's COM1 and came back"
