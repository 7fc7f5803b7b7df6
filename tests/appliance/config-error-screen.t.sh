# timeout: 150
# A malformed config line gives the error screen: the framebuffer turns red
# with the error (file and line) in white, the same text goes to serial, and
# the appliance waits instead of rebooting. Checked with QEMU's screendump
# (no isa-debug-exit device here, so the kernel's exit code goes nowhere and
# the appliance must stay up; after 5 s it still runs and booted only once).
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
font=$top/build/efi/gen/font.c
[ -f "$font" ] || { echo "skip: $font not generated (make efi)"; exit 77; }
mon=$top/build/tmp/config-error-screen.$$.mon
ap_start config-error-screen --machine q35 --no-debug-exit --cfg-text "# written by tests/appliance/config-error-screen.t.sh
-m 64M
-this-is-not-an-option 1" -- -monitor "unix:$mon,server,nowait"
ap_wait 'baremu: configuration error' 90 "error screen title"
ap_wait 'The appliance is waiting' 10 "waiting message"
line=$(grep -Eo '^  \\baremu\\baremu\.cfg:3: .*' "$BM_LOG" | head -n1)
[ -n "$line" ] || bm_fail "the error does not name \\baremu\\baremu.cfg line 3"
sleep 5
kill -0 "$AP_PID" 2>/dev/null || bm_fail "the appliance did not wait (QEMU ended)"
monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$mon" >/dev/null; }
monitor "screendump $AP_WORK/screen.ppm"
for _ in $(seq 1 20); do [ -s "$AP_WORK/screen.ppm" ] && break; sleep 0.5; done
[ -s "$AP_WORK/screen.ppm" ] || bm_fail "no screendump"
cp "$AP_WORK/screen.ppm" "$BM_LOGDIR/appliance-config-error-screen.ppm"
monitor quit || true
rm -f "$mon"
ap_sync_log
[ "$(grep -c '^baremu .* - bare-metal PC emulator appliance' "$BM_LOG")" = 1 ] || bm_fail "the appliance rebooted"
python3 "$(dirname "$0")/screen_text.py" "$AP_WORK/screen.ppm" "$font" "$line" 800000 ||
    bm_fail "the error line is not on the red screen (screendump kept in build/test-logs/appliance-config-error-screen.ppm)"
python3 "$(dirname "$0")/screen_text.py" "$AP_WORK/screen.ppm" "$font" "  baremu: configuration error" 800000 ||
    bm_fail "no title on the error screen"
echo "ok: error screen shows '$line' and the appliance waits"
