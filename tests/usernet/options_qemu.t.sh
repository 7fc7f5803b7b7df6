# timeout: 300
# -netdev user options: defaults and refusals compared with the real
# qemu-system-i386 case by case (tests/usernet/options_qemu.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 python3
BAREMU=${BAREMU:-$BAREMU_TOP/build/hosted/baremu}
[ -x "$BAREMU" ] || fail "$BAREMU is not built (make hosted)"
python3 "$BAREMU_TOP/tests/usernet/options_qemu.py" "$BAREMU" qemu-system-i386 ||
    fail "baremu's -netdev user options differ from QEMU's (cases above)"
