# timeout: 150
# PS/2 keyboard input through the IOAPIC: after boot, QEMU's monitor types
# "Kbd-ok!" (sendkey, with Shift), and the kernel's console hook must echo it
# on the serial line; then the monitor quits QEMU.
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
mkdir -p "$top/build/tmp"; work=$(mktemp -d "$top/build/tmp/keyboard.XXXXXX")
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/baremetal-keyboard.serial.log
rm -f "$BM_LOG"   # a stale log must not satisfy the waits below
mon=$work/mon
"$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --cfg-text "# no exit: the monitor quits; no uplink, whose log lines could split the echo
-uplink none" \
    --serial "file:$work/serial" --timeout "$BM_QEMU_TIMEOUT" -- -monitor "unix:$mon,server,nowait" &
qpid=$!
monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$mon" >/dev/null; }
snapshot() { [ -f "$work/serial" ] && tr -d '\r' < "$work/serial" > "$BM_LOG"; }
for _ in $(seq 1 120); do
  snapshot
  grep -q 'boot: main loop reached' "$BM_LOG" 2>/dev/null && break
  kill -0 "$qpid" 2>/dev/null || bm_fail "QEMU ended before the main loop"
  sleep 0.5
done
grep -q 'boot: main loop reached' "$BM_LOG" || bm_fail "the main loop was not reached"
bm_expect 'irq: PS/2 keyboard on IOAPIC' "the keyboard routed through the IOAPIC"
for k in shift-k b d minus o k shift-1 ret; do
  monitor "sendkey $k"
  sleep 0.2
done
for _ in $(seq 1 40); do
  snapshot
  grep -q '^Kbd-ok!$' "$BM_LOG" && break
  sleep 0.5
done
monitor quit || true
wait "$qpid" 2>/dev/null; qpid=
snapshot
bm_expect '^Kbd-ok!$' "the typed line echoed by the console"
echo "ok: keyboard input echoed"
