# timeout: 420
# The guest's VGA text console on the appliance's screen, and the monitor
# overlay. SeaBIOS with Debian's VGA BIOS boots build/guest/disk.img inside
# the appliance; once SYSLINUX says "Loading /vmlinuz..." on the guest COM1,
# QEMU's screendump must show the 80x25 text screen scaled and centred on the
# GOP framebuffer, with SeaBIOS's "Booting from Hard Disk..." and SYSLINUX's
# lines drawn glyph for glyph (screen_text.py). Then Ctrl+Alt+2 (sendkey)
# opens the appliance monitor on screen (white on blue), "info guest" typed
# with sendkey answers on the console, Esc gives the screen back to the guest.
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
vgabios=/usr/share/seabios/vgabios-stdvga.bin
[ -f "$vgabios" ] || { echo "skip: $vgabios missing (package seabios)"; exit 77; }
font=$top/build/efi/gen/font.c
[ -f "$font" ] || { echo "skip: $font not generated (make efi)"; exit 77; }
BM_QEMU_TIMEOUT=400
mon=$top/build/tmp/vga-text.$$.mon
ap_start vga-text --mem 512M --cfg-text "# written by tests/appliance/vga-text.t.sh
-hda disk.img
-uplink none" --file "bios.bin=$AP_BIOS" --file "vgabios-stdvga.bin=$vgabios" \
    --file "disk.img=$AP_GUEST/disk.img" -- -monitor "unix:$mon,server,nowait"
monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$mon" >/dev/null; }
shot() { # FILE
  rm -f "$1"; monitor "screendump $1"
  for _ in $(seq 1 20); do [ -s "$1" ] && break; sleep 0.5; done
  [ -s "$1" ] || bm_fail "no screendump"
  cp "$1" "$BM_LOGDIR/appliance-vga-text-$(basename "$1")"
}
ap_wait 'guest: the guest.s VGA is drawn on the screen' 150 "display attached"
ap_wait 'Loading /vmlinuz\.\.\.' 240 "SYSLINUX loading the kernel"
sleep 3   # the display is refreshed about 30 times a second of host time
shot "$AP_WORK/guest.ppm"
check() { # PPM TEXT [args] 
  python3 "$(dirname "$0")/screen_text.py" "$@" || bm_fail "screen check failed for '$2' (screendumps kept in build/test-logs/appliance-vga-text-*.ppm)"
}
check "$AP_WORK/guest.ppm" "$font" "Booting from Hard Disk..." --grid 80x25
check "$AP_WORK/guest.ppm" "$font" "Loading /vmlinuz..." --grid 80x25
banner=$(grep -Eo '^SYSLINUX [0-9.]+' "$BM_LOG" | head -n1)
check "$AP_WORK/guest.ppm" "$font" "$banner" --grid 80x25
# The monitor overlay through the host key combination.
monitor "sendkey ctrl-alt-2"
ap_wait 'baremu monitor \(help lists the commands' 30 "monitor opened by Ctrl+Alt+2"
for k in i n f o spc g u e s t ret; do monitor "sendkey $k"; sleep 0.2; done
ap_wait '^guest running$' 30 "'info guest' typed on the keyboard answered"
sleep 1
shot "$AP_WORK/monitor.ppm"
check "$AP_WORK/monitor.ppm" "$font" "baremu appliance monitor - Esc or Ctrl-A c returns to the guest" 000080
monitor "sendkey esc"
ap_wait '\[monitor closed\]' 30 "monitor closed by Esc"
sleep 2
shot "$AP_WORK/back.ppm"
check "$AP_WORK/back.ppm" "$font" "Booting from Hard Disk..." --grid 80x25
monitor quit || true
rm -f "$mon"
echo "ok: guest VGA text drawn scaled and centred; Ctrl+Alt+2 monitor overlay, keyboard commands, Esc back to the guest"
