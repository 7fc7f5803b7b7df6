# timeout: 180
# With a guest display (the default -vga std), the appliance's PS/2 keyboard
# goes raw to the guest's 8042: QEMU's sendkey on the outer machine presses
# "a" and "ctrl-b"; a tiny firmware (kbd-8042.S) prints every byte its 8042
# delivers on COM1, which must hold the scan code set 1 make/break codes
# 1e 9e and 1d 30 b0 9d (left Ctrl, B) after the ACK (fa) of its enable
# command. The outer PS/2 mouse goes to the guest's too: QEMU's `mouse_move
# 10 -5` (screen terms: right 10, up 5; its PS/2 model reports up as +Y) and
# `mouse_button 1` must reach the guest's mouse port as 3-byte stream packets:
# 08 0a 05 (bit 3 always set, no sign bits, X 10, Y 5), then 09 00 00 (left
# button). The firmware prints mouse bytes with an "m" in front.
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
bm_expect 'mfa' "the guest mouse's ACK of its enable command"
printf 'mouse_move 10 -5\n' | socat - "UNIX-CONNECT:$mon" >/dev/null
ap_wait 'm08 m0a m05' 30 "the guest's mouse packet for mouse_move 10 -5 (m08 m0a m05)"
printf 'mouse_button 1\n' | socat - "UNIX-CONNECT:$mon" >/dev/null
ap_wait 'm09 m00 m00' 30 "the guest's mouse packet for the left button (m09 m00 m00)"
bm_expect 'input: PS/2 mouse: streaming' "the appliance's own PS/2 mouse set up"
printf 'quit\n' | socat - "UNIX-CONNECT:$mon" >/dev/null || true
rm -rf "$fw"
echo "ok: $(grep -Eo 'kbd-ready.*|[0-9a-f]{2}( [0-9a-f]{2})+' "$BM_LOG" | tail -n1)"
