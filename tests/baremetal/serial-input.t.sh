# timeout: 150
# COM1 input: the serial line is a UNIX socket (QEMU waits for the client
# before starting); after boot the test types "serial-ok" + CR and the
# kernel's console hook must echo it back on the same line (CR becomes LF).
# The loop sleeps with no deadline once booted, so only COM1's interrupt
# (ISA IRQ 4 through the IOAPIC) can wake it to echo.
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
mkdir -p "$top/build/tmp"; work=$(mktemp -d "$top/build/tmp/serial.XXXXXX")
qpid= spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  exec 3>&- 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/baremetal-serial-input.serial.log
rm -f "$BM_LOG"
mon=$work/mon
"$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --cfg-text "# no exit: the monitor quits" \
    --serial "unix:$work/ser,server=on,wait=on" --timeout "$BM_QEMU_TIMEOUT" -- -monitor "unix:$mon,server,nowait" &
qpid=$!
for _ in $(seq 1 40); do [ -S "$work/ser" ] && break; sleep 0.25; done
[ -S "$work/ser" ] || bm_fail "QEMU did not open the serial socket"
mkfifo "$work/in"
socat -t 5 "UNIX-CONNECT:$work/ser" - < "$work/in" > "$work/serial" &
spid=$!
exec 3> "$work/in"
snapshot() { tr -d '\r' < "$work/serial" > "$BM_LOG"; }
for _ in $(seq 1 120); do
  snapshot
  grep -q 'loop: deadline met' "$BM_LOG" && break
  kill -0 "$qpid" 2>/dev/null || bm_fail "QEMU ended before the main loop"
  sleep 0.5
done
grep -q 'loop: deadline met' "$BM_LOG" || bm_fail "the main loop was not reached"
bm_expect 'irq: COM1 input on IOAPIC \(ISA IRQ 4\)' "COM1's interrupt routed"
printf 'serial-ok\r' >&3
for _ in $(seq 1 40); do
  snapshot
  grep -q '^serial-ok$' "$BM_LOG" && break
  sleep 0.5
done
printf 'quit\n' | socat - "UNIX-CONNECT:$mon" >/dev/null || true
wait "$qpid" 2>/dev/null; qpid=
snapshot
bm_expect '^serial-ok$' "the typed line echoed back on COM1"
echo "ok: serial input echoed"
