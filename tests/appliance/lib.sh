# Shared helpers for the appliance tests: the bare-metal kernel running a
# guest PC nested under QEMU + OVMF. Builds on tests/baremetal/lib.sh
# (bm_require, bm_fail, bm_expect ...). Source it: . "$(dirname "$0")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../baremetal/lib.sh"
AP_BIOS=/usr/share/seabios/bios.bin
AP_GUEST=$top/build/guest

ap_require_bios() {
  [ -f "$AP_BIOS" ] || { echo "skip: $AP_BIOS missing (package seabios)"; exit 77; }
}

# The default guest (tools/guest/build.sh: Debian's i686 kernel, busybox
# initramfs, syslinux disk image); built once, cached in build/guest/.
ap_require_guest() {
  if [ ! -f "$AP_GUEST/disk.img" ]; then
    "$top/tools/guest/build.sh" >/dev/null 2>&1 ||
      { echo "skip: tools/guest/build.sh failed (Debian i386 packages unavailable?)"; exit 77; }
  fi
  [ -f "$AP_GUEST/disk.img" ] || { echo "skip: $AP_GUEST/disk.img missing"; exit 77; }
}

# ap_start NAME [run-qemu-efi options...]: boots in the background with the
# serial console in a file; sets AP_PID, AP_RAW (raw serial) and BM_LOG.
ap_start() {
  local name=$1
  shift
  mkdir -p "$BM_LOGDIR" "$top/build/tmp"
  AP_WORK=$(mktemp -d "$top/build/tmp/appliance-$name.XXXXXX")
  BM_LOG=$BM_LOGDIR/appliance-$name.serial.log
  AP_RAW=$AP_WORK/serial
  rm -f "$BM_LOG"
  # Own session: the cleanup ends the whole group (the script, timeout and
  # QEMU), not only the script, which would leave QEMU running.
  setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --serial "file:$AP_RAW" --timeout "$BM_QEMU_TIMEOUT" "$@" \
      >"$AP_WORK/qemu.out" 2>&1 &
  AP_PID=$!
  trap ap_cleanup EXIT
}

ap_cleanup() {
  [ -n "${AP_PID:-}" ] && kill -- "-$AP_PID" 2>/dev/null && wait "$AP_PID" 2>/dev/null
  [ -n "${AP_WORK:-}" ] && rm -rf "$AP_WORK"
  AP_PID=
}

ap_sync_log() {
  [ -f "$AP_RAW" ] && tr -d '\r' < "$AP_RAW" > "$BM_LOG"
  return 0
}

# ap_wait ERE SECONDS DESCRIPTION: waits until the serial log matches, or fails.
ap_wait() {
  local re=$1 secs=$2 what=$3 i
  for ((i = 0; i < secs * 2; i++)); do
    ap_sync_log
    grep -Eq -- "$re" "$BM_LOG" 2>/dev/null && return 0
    if ! kill -0 "$AP_PID" 2>/dev/null; then
      ap_sync_log
      grep -Eq -- "$re" "$BM_LOG" 2>/dev/null && return 0
      bm_fail "QEMU ended before $what"
    fi
    sleep 0.5
  done
  bm_fail "no $what within ${secs}s (pattern /$re/)"
}

# ap_finish: waits for QEMU to exit by itself (up to SECONDS); sets BM_RC.
ap_finish() {
  local secs=$1 i
  for ((i = 0; i < secs * 2; i++)); do
    kill -0 "$AP_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$AP_PID" 2>/dev/null; then
    ap_sync_log
    bm_fail "QEMU still running after ${secs}s"
  fi
  BM_RC=0
  wait "$AP_PID" || BM_RC=$?
  AP_PID=
  ap_sync_log
}
