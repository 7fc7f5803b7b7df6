# Shared helpers for the bare-metal tests (and later NIC-driver and appliance
# tests): boot BOOTX64.EFI under QEMU + OVMF through tools/run-qemu-efi.sh with
# the serial console in a log, then check lines and the isa-debug-exit status.
# Source it from a test: . "$(dirname "$0")/lib.sh"
top=${BAREMU_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BM_EFI=${BM_EFI:-$top/build/efi/BOOTX64.EFI}
BM_LOGDIR=$top/build/test-logs
BM_QEMU_TIMEOUT=${BM_QEMU_TIMEOUT:-90}
# isa-debug-exit values the kernel writes (kernel/cpu.h) and QEMU's status for each.
BM_RC_OK=3 BM_RC_FAULT=5 BM_RC_PANIC=7 BM_RC_CONFIG=9

# Skips (exit 77, reason last) when the pieces to boot are missing.
bm_require() {
  command -v qemu-system-x86_64 >/dev/null || { echo "skip: qemu-system-x86_64 not installed"; exit 77; }
  [ -f /usr/share/ovmf/OVMF.fd ] || { echo "skip: OVMF not installed (package ovmf)"; exit 77; }
  [ -f "$BM_EFI" ] || { echo "skip: $BM_EFI not built (make efi)"; exit 77; }
}

bm_fail() {
  echo "FAIL: $*"
  [ -n "${BM_LOG:-}" ] && echo "serial log kept in ${BM_LOG#$top/}" && tail -n 30 "$BM_LOG"
  exit 1
}

# bm_boot NAME MACHINE CONFIG-TEXT [run-qemu-efi options...]
# Boots with CONFIG-TEXT as \baremu\baremu.cfg; sets BM_LOG (serial output,
# CRs removed) and BM_RC (QEMU's exit status; 124 = timed out).
bm_boot() {
  local name=$1 machine=$2 cfg=$3
  shift 3
  mkdir -p "$BM_LOGDIR"
  BM_LOG=$BM_LOGDIR/baremetal-$name.serial.log
  local raw=$BM_LOG.raw
  rm -f "$raw" "$BM_LOG"
  BM_RC=0
  "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine "$machine" --cfg-text "$cfg" \
      --serial "file:$raw" --timeout "$BM_QEMU_TIMEOUT" "$@" || BM_RC=$?
  tr -d '\r' < "$raw" > "$BM_LOG" 2>/dev/null || true
  rm -f "$raw"
  echo "boot $name on $machine: QEMU exit status $BM_RC, log ${BM_LOG#$top/}"
}

bm_expect_rc() {
  [ "$BM_RC" = 124 ] && bm_fail "QEMU timed out after ${BM_QEMU_TIMEOUT}s (expected exit status $1)"
  [ "$BM_RC" = "$1" ] || bm_fail "QEMU exit status $BM_RC, expected $1"
}

# bm_expect ERE DESCRIPTION: a line of the serial log must match.
bm_expect() {
  grep -Eq -- "$1" "$BM_LOG" || bm_fail "no $2 in the serial log (pattern /$1/)"
}

# bm_field ERE: the first match of ERE (grep -o) in the log.
bm_field() {
  grep -Eo -- "$1" "$BM_LOG" | head -n1
}

# Offset of a symbol in the image, from the linked ELF (same layout as the PE).
bm_symbol_offset() {
  nm "$top/build/efi/baremu.so" | awk -v s="$1" '$3 == s { print $1 }'
}
