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
# A line of the guest's that one of the appliance's own log lines split in two
# (they start on a line of their own, console_start_line) also matches: the
# pattern is tried on the log as it is and on the log with each run of
# appliance log lines and the line break before it taken out (ap_joined_log).
ap_wait() {
  local re=$1 secs=$2 what=$3 i
  for ((i = 0; i < secs * 2; i++)); do
    ap_sync_log
    ap_log_matches "$re" && return 0
    if ! kill -0 "$AP_PID" 2>/dev/null; then
      ap_sync_log
      ap_log_matches "$re" && return 0
      bm_fail "QEMU ended before $what"
    fi
    sleep 0.5
  done
  bm_fail "no $what within ${secs}s (pattern /$re/)"
}

ap_log_matches() {
  [ -f "$BM_LOG" ] || return 1
  grep -Eq -- "$1" "$BM_LOG" && return 0
  ap_joined_log | grep -Eq -- "$1"
}

# The serial log with every run of appliance log lines ("[   8.036903]
# uplink: ...") cut out together with the line break before it, so that a
# guest line they interrupted reads whole again.
ap_joined_log() {
  perl -0777 -pe 's/\n(?:\[ *[0-9]+\.[0-9]+\] [^\n]*\n)+//g' "$BM_LOG"
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

# The nested guest's VGA shell on tty1, driven through the outer QEMU's
# monitor socket $AP_MON. Screendumps are read as text by screen_text.py on
# an 80x24 grid: the guest's /etc/profile runs `stty cols 4096 rows 24`,
# which on a virtual console resizes vgacon (it reprograms the CRTC's
# vertical display end), and the appliance draws what the CRTC says.
# AP_NAME names the screendumps kept in build/test-logs; AP_T0 is the
# test's start for ap_mark (informational wall-time marks).
AP_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
AP_FONT=$top/build/efi/gen/font.c
ap_mark() { echo "[$(( $(date +%s) - AP_T0 )) s] $1"; }
ap_monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$AP_MON" >/dev/null; }
ap_shot() { # FILE: a screendump of the outer QEMU's display (the GOP framebuffer)
  rm -f "$1"; ap_monitor "screendump $1"
  for _ in $(seq 1 20); do [ -s "$1" ] && break; sleep 0.5; done
  [ -s "$1" ] || bm_fail "no screendump"
  cp "$1" "$BM_LOGDIR/appliance-$AP_NAME-$(basename "$1")"
}
ap_screen_has() { # PPM TEXT: quiet
  python3 "$AP_LIB_DIR/screen_text.py" "$1" "$AP_FONT" "$2" --grid 80x24 >/dev/null 2>&1
}
ap_screen_check() { # PPM TEXT
  python3 "$AP_LIB_DIR/screen_text.py" "$1" "$AP_FONT" "$2" --grid 80x24 ||
    bm_fail "screen check failed for '$2' (screendumps kept in build/test-logs/appliance-$AP_NAME-*.ppm)"
}

# ap_tty1_sendkey DIR: waits until the tty1 prompt is on the screen, types
# `echo sk-$((6*7)) | tee /dev/ttyS0` with sendkey (outer PS/2 -> appliance
# -> the guest's 8042 -> Linux atkbd -> tty1); sk-42 must come out on COM1
# (only a shell computes it) and the screendump must hold the command's row
# and sk-42, glyph for glyph.
ap_tty1_sendkey() {
  local dir=$1 ok= k cmd='echo sk-$((6*7)) | tee /dev/ttyS0'
  for _ in $(seq 1 60); do
    ap_shot "$dir/prompt.ppm"
    if ap_screen_has "$dir/prompt.ppm" 'baremu-guest# '; then ok=1; break; fi
    sleep 5
  done
  [ -n "$ok" ] || bm_fail "the tty1 shell prompt 'baremu-guest# ' never appeared on the screen (last screendump: build/test-logs/appliance-$AP_NAME-prompt.ppm)"
  ap_mark "guest: tty1 prompt on the screen"
  for k in e c h o spc s k minus shift-4 shift-9 shift-9 6 shift-8 7 shift-0 shift-0 spc shift-backslash spc \
           t e e spc slash d e v slash t t y shift-s 0 ret; do
    ap_monitor "sendkey $k"
    sleep 0.4
  done
  ap_wait 'sk-42$' 300 "the output of the command typed with sendkey on the guest's COM1 (tee /dev/ttyS0)"
  for _ in $(seq 1 30); do
    sleep 2
    ap_shot "$dir/typed.ppm"
    ap_screen_has "$dir/typed.ppm" 'sk-42' && ap_screen_has "$dir/typed.ppm" "baremu-guest# $cmd" && break
  done
  ap_screen_check "$dir/typed.ppm" "baremu-guest# $cmd"
  ap_screen_check "$dir/typed.ppm" 'sk-42'
  ap_mark "sendkey command seen on COM1 and on the screen"
}
