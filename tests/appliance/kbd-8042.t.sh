# timeout: 180
# With a guest display (the default -vga std), the appliance's PS/2 keyboard
# goes raw to the guest's 8042: QEMU's sendkey on the outer machine presses
# "a" and "ctrl-b"; a tiny firmware (kbd-8042.S) prints every byte its 8042
# delivers on COM1, which must hold the scan code set 1 make/break codes
# 1e 9e and 1d 30 b0 9d (left Ctrl, B) after the ACK (fa) of its enable
# command.
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
command -v as >/dev/null || { echo "skip: binutils missing"; exit 77; }
mkdir -p "$top/build/tmp"
fw=$(mktemp -d "$top/build/tmp/kbd-8042.XXXXXX")
as --32 -o "$fw/fw.o" "$(dirname "$0")/kbd-8042.S" || bm_fail "cannot assemble kbd-8042.S"
objcopy -O binary -j .text "$fw/fw.o" "$fw/fw.bin"
mon=$fw/mon
ap_start kbd-8042 --cfg-text "# written by tests/appliance/kbd-8042.t.sh
-bios fw.bin -m 16M
-uplink none   # its DHCP log line could split the printed codes" --file "fw.bin=$fw/fw.bin" -- -monitor "unix:$mon,server,nowait"
ap_wait 'kbd-ready' 120 "the guest firmware's banner"
ap_wait 'guest: the guest.s VGA is drawn on the screen and the keyboard goes to its 8042' 5 "display attached"
for k in a ctrl-b; do
  printf 'sendkey %s\n' "$k" | socat - "UNIX-CONNECT:$mon" >/dev/null
  sleep 0.5
done
ap_wait '1e 9e .*1d 30 (b0 9d|9d b0)' 30 "the scan codes of a and Ctrl-B from the guest's 8042"
printf 'quit\n' | socat - "UNIX-CONNECT:$mon" >/dev/null || true
rm -rf "$fw"
echo "ok: $(grep -Eo 'kbd-ready.*|[0-9a-f]{2}( [0-9a-f]{2})+' "$BM_LOG" | tail -n1)"
