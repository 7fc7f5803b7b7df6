# timeout: 240
# The console escape (QEMU's -nographic keys) on the appliance's COM1, with
# SeaBIOS running as the guest: Ctrl-A c opens the appliance monitor,
# "info guest" reports the guest running, "system_reset" resets only the
# guest (SeaBIOS starts again on the debug console), Ctrl-A c closes the
# monitor, and Ctrl-A x powers the appliance off through ACPI S5 (QEMU then
# exits with status 0 by itself).
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
mkdir -p "$top/build/tmp" "$BM_LOGDIR"
work=$(mktemp -d "$top/build/tmp/console-monitor.XXXXXX")
qpid= spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  exec 3>&- 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
BM_LOG=$BM_LOGDIR/appliance-console-monitor.serial.log
rm -f "$BM_LOG"
"$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --cfg-text "# written by tests/appliance/console-monitor.t.sh
-m 32M -debugcon stdio" --file "bios.bin=$AP_BIOS" \
    --serial "unix:$work/ser,server=on,wait=on" --timeout 200 &
qpid=$!
for _ in $(seq 1 40); do [ -S "$work/ser" ] && break; sleep 0.25; done
[ -S "$work/ser" ] || bm_fail "QEMU did not open the serial socket"
mkfifo "$work/in"
socat -t 5 "UNIX-CONNECT:$work/ser" - < "$work/in" > "$work/serial" &
spid=$!
exec 3> "$work/in"
snapshot() { tr -d '\r' < "$work/serial" > "$BM_LOG"; }
wait_for() { # ERE SECONDS WHAT
  for ((i = 0; i < $2 * 2; i++)); do
    snapshot
    grep -Eq -- "$1" "$BM_LOG" && return 0
    kill -0 "$qpid" 2>/dev/null || { snapshot; grep -Eq -- "$1" "$BM_LOG" && return 0; bm_fail "QEMU ended before $3"; }
    sleep 0.5
  done
  bm_fail "no $3 within $2 s (pattern /$1/)"
}
wait_for 'SeaBIOS \(version' 120 "SeaBIOS banner"
printf '\001c' >&3
wait_for 'baremu monitor \(help lists the commands' 20 "monitor opened by Ctrl-A c"
printf 'info guest\r' >&3
wait_for '^guest running$' 20 "'info guest' answer"
printf 'system_reset\r' >&3
wait_for 'guest: guest reset from the appliance monitor' 20 "guest reset from the monitor"
for ((i = 0; i < 120; i++)); do
  snapshot
  [ "$(grep -c 'SeaBIOS (version' "$BM_LOG")" -ge 2 ] && break
  sleep 0.5
done
[ "$(grep -c 'SeaBIOS (version' "$BM_LOG")" -ge 2 ] || bm_fail "SeaBIOS did not start again after system_reset"
printf '\001c' >&3
wait_for '\[monitor closed\]' 20 "monitor closed by Ctrl-A c"
printf '\001x' >&3
for ((i = 0; i < 60; i++)); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$qpid" 2>/dev/null && bm_fail "Ctrl-A x did not power the appliance off"
rc=0; wait "$qpid" || rc=$?; qpid=
snapshot
bm_expect 'appliance: powering off' "power-off message"
[ "$rc" = 0 ] || bm_fail "QEMU exit status $rc after ACPI power-off, expected 0"
[ "$(grep -c '^baremu .* - bare-metal PC emulator appliance' "$BM_LOG")" = 1 ] || bm_fail "the appliance rebooted"
echo "ok: Ctrl-A monitor (info guest, system_reset of the guest only) and Ctrl-A x power-off"
